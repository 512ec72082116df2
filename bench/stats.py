"""Small statistics: latency percentiles within a run, and median/min/max across runs."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99 in milliseconds."""
    ordered = sorted(seconds)
    return {
        f"p{q}_ms": percentile(ordered, q) * 1000 if ordered else math.nan for q in (50, 90, 99)
    }


def aggregate(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Every numeric field of the runs as {median, min, max}; other fields from the first run.

    The machine is noisy, so a case reports the median run and its spread, never a mean.
    """
    if not runs:
        return {}
    out: dict[str, Any] = {"runs": len(runs)}
    for key, first in runs[0].items():
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        if isinstance(first, bool) or not values:
            out[key] = all(r.get(key) for r in runs) if isinstance(first, bool) else first
            continue
        finite = [v for v in values if not math.isnan(v)]
        if not finite:
            out[key] = {"median": math.nan, "min": math.nan, "max": math.nan}
            continue
        out[key] = {
            "median": statistics.median(finite),
            "min": min(finite),
            "max": max(finite),
        }
    return out


def median_of(case: Mapping[str, Any], key: str) -> float:
    """The median of an aggregated field, NaN if the case does not have it."""
    value = case.get(key)
    if isinstance(value, Mapping):
        return float(value.get("median", math.nan))
    return math.nan

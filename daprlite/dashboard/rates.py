"""Per binding and direction: messages/s, p50/p95 latency and errors over a recent window of
scrapes, from counter and histogram-bucket deltas (pure functions of the scrapes)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from daprlite.dashboard.scrape import Scrape

WINDOW_SECONDS = 10.0
_DIRECTIONS = ("input", "output")

# (component, direction)
BindingKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BindingRates:
    component: str
    direction: str
    per_second: float  # all calls (successes and failures) over the window
    p50_ms: float | None  # None: nothing was recorded in the window
    p95_ms: float | None
    errors_window: float
    errors_total: float
    total: float


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float | None:
    """PromQL's histogram_quantile over cumulative `(upper bound, count)` pairs, sorted by bound
    with +Inf last: linear interpolation inside the bucket the rank falls in; the lowest bucket
    starts at 0; a rank in the +Inf bucket answers the highest finite bound."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            inside = count - lower_count
            if inside <= 0:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / inside
        lower_bound, lower_count = bound, count
    return lower_bound


def increase(new: float, old: float) -> float:
    """A counter's growth; a value below the old one means the counter restarted from 0."""
    return new - old if new >= old else new


def window(history: Sequence[Scrape], seconds: float = WINDOW_SECONDS) -> tuple[Scrape, Scrape]:
    """The newest scrape and the oldest one at most `seconds` before it (the newest itself when
    there is no other). `history` is oldest first and not empty."""
    newest = history[-1]
    for scrape in history:
        if scrape.at >= newest.at - seconds - 0.5:  # half a poll of slack
            return scrape, newest
    return newest, newest


def counts(scrape: Scrape) -> dict[tuple[str, str, str], float]:
    """(component, direction, success) -> calls so far, summed over operations."""
    found: dict[tuple[str, str, str], float] = {}
    for direction in _DIRECTIONS:
        # The parser names every counter sample `<family>_total` (OpenMetrics' rule), also
        # daprd's, which are written without the suffix.
        for s in scrape.named(f"dapr_component_{direction}_binding_count_total"):
            key = (s.labels.get("component", ""), direction, s.labels.get("success", ""))
            found[key] = found.get(key, 0.0) + s.value
    return found


def buckets(scrape: Scrape) -> dict[BindingKey, dict[float, float]]:
    """(component, direction) -> {upper bound: cumulative count}, summed over the other labels."""
    found: dict[BindingKey, dict[float, float]] = {}
    for direction in _DIRECTIONS:
        for s in scrape.named(f"dapr_component_{direction}_binding_latencies_bucket"):
            series = found.setdefault((s.labels.get("component", ""), direction), {})
            bound = float(s.labels.get("le", "+Inf"))
            series[bound] = series.get(bound, 0.0) + s.value
    return found


def binding_rates(history: Sequence[Scrape], seconds: float = WINDOW_SECONDS) -> list[BindingRates]:
    """One row per binding and direction seen in the newest scrape, sorted. With one scrape
    only, rates are 0 and quantiles None: a window needs two ends."""
    if not history:
        return []
    old, new = window(history, seconds)
    span = new.at - old.at
    new_counts, old_counts = counts(new), counts(old)
    new_buckets, old_buckets = buckets(new), buckets(old)
    keys = sorted({(c, d) for c, d, _ in new_counts} | set(new_buckets))
    rows = []
    for component, direction in keys:
        ok, failed = (component, direction, "true"), (component, direction, "false")
        grown = {k: 0.0 for k in (ok, failed)}
        deltas: list[tuple[float, float]] = []
        if span > 0:
            # A series absent from the old scrape started at 0 within the window.
            grown = {k: increase(new_counts.get(k, 0.0), old_counts.get(k, 0.0)) for k in grown}
            deltas = _bucket_deltas(
                new_buckets.get((component, direction), {}),
                old_buckets.get((component, direction), {}),
            )
        rows.append(
            BindingRates(
                component=component,
                direction=direction,
                per_second=(grown[ok] + grown[failed]) / span if span > 0 else 0.0,
                p50_ms=histogram_quantile(0.5, deltas),
                p95_ms=histogram_quantile(0.95, deltas),
                errors_window=grown[failed],
                errors_total=new_counts.get(failed, 0.0),
                total=new_counts.get(ok, 0.0) + new_counts.get(failed, 0.0),
            )
        )
    return rows


def _bucket_deltas(new: dict[float, float], old: dict[float, float]) -> list[tuple[float, float]]:
    restarted = any(new.get(bound, 0.0) < count for bound, count in old.items())
    return [
        (bound, count if restarted else count - old.get(bound, 0.0))
        for bound, count in sorted(new.items())
    ]


def totals_by_component(scrape: Scrape, name: str, label: str = "") -> dict[tuple[str, str], float]:
    """(component, value of `label` or "") -> the series' value, for daprlite's counters."""
    found: dict[tuple[str, str], float] = {}
    for s in scrape.named(name):
        key = (s.labels.get("component", ""), s.labels.get(label, "") if label else "")
        found[key] = found.get(key, 0.0) + s.value
    return found

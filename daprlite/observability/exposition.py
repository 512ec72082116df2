"""A small metric store that writes Prometheus text 0.0.4 with daprd's exact names.

prometheus_client appends `_total` to every counter it writes, and daprd's counters (OpenCensus
views) have none, so the `dapr_*` and `daprlite_*` series are kept and written here. Recording
is one dict lookup and an add: label values are a tuple, the key of a plain dict.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from daprlite.gocompat.floats import format_g as _number

Kind = Literal["counter", "gauge", "histogram"]

# daprd's default latency distribution, in milliseconds (MetricSpec.GetLatencyDistribution).
LATENCY_MS: tuple[float, ...] = (
    1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300,
    400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000,
)  # fmt: skip
# daprd's size distribution, in bytes (defaultSizeDistribution).
SIZE_BYTES: tuple[float, ...] = tuple(
    float(1 << shift) for shift in (10, 11, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32)
)

Labels = tuple[str, ...]


class Family:
    """One metric name: its type, help, label names and a value per label-value tuple."""

    def __init__(self, name: str, kind: Kind, help_text: str, labels: Sequence[str]) -> None:
        self.name, self.kind, self.help = name, kind, help_text
        self.label_names = tuple(labels)
        self.values: dict[Labels, float] = {}

    def inc(self, labels: Labels, amount: float = 1.0) -> None:
        values = self.values
        values[labels] = values.get(labels, 0.0) + amount

    def set(self, labels: Labels, value: float) -> None:
        self.values[labels] = value

    def samples(self) -> Iterable[tuple[str, Labels, Sequence[str], float]]:
        for labels, value in self.values.items():
            yield self.name, labels, self.label_names, value


class Histogram(Family):
    """Bucket counts are kept per bucket (not cumulative) and summed only when written."""

    def __init__(
        self, name: str, help_text: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> None:
        super().__init__(name, "histogram", help_text, labels)
        self.buckets = tuple(buckets)
        # labels -> [count in bucket 0..n-1, count above the last bound, sum]
        self.series: dict[Labels, list[float]] = {}

    def observe(self, labels: Labels, value: float) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = [0.0] * (len(self.buckets) + 2)
        # bisect_left: a value equal to a bound belongs to that bucket (`le` is inclusive).
        series[bisect_left(self.buckets, value)] += 1
        series[-1] += value

    def samples(self) -> Iterable[tuple[str, Labels, Sequence[str], float]]:
        names = (*self.label_names, "le")
        for labels, series in self.series.items():
            running = 0.0
            for bound, count in zip(self.buckets, series, strict=False):
                running += count
                yield self.name + "_bucket", (*labels, _number(bound)), names, running
            running += series[-2]
            yield self.name + "_bucket", (*labels, "+Inf"), names, running
            yield self.name + "_sum", labels, self.label_names, series[-1]
            yield self.name + "_count", labels, self.label_names, running


class Store:
    """The families of one sidecar, written in the order they were made."""

    def __init__(self) -> None:
        self.families: list[Family] = []
        # Called before writing: gauges read at scrape time (lag), never on the hot path.
        self.collectors: list[Callable[[], None]] = []

    def counter(self, name: str, help_text: str, labels: Sequence[str]) -> Family:
        return self._add(Family(name, "counter", help_text, labels))

    def gauge(self, name: str, help_text: str, labels: Sequence[str]) -> Family:
        return self._add(Family(name, "gauge", help_text, labels))

    def histogram(
        self, name: str, help_text: str, labels: Sequence[str], buckets: Sequence[float]
    ) -> Histogram:
        family = Histogram(name, help_text, labels, buckets)
        self._add(family)
        return family

    def _add(self, family: Family) -> Family:
        self.families.append(family)
        return family

    def render(self) -> str:
        for collect in self.collectors:
            collect()
        lines: list[str] = []
        for family in self.families:
            samples = list(family.samples())
            if not samples:
                continue  # as OpenCensus: a view with no rows is not exported
            lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            for name, values, label_names, value in samples:
                pairs = ",".join(
                    f'{k}="{_escape_label(v)}"' for k, v in zip(label_names, values, strict=True)
                )
                lines.append(
                    f"{name}{{{pairs}}} {_number(value)}" if pairs else f"{name} {_number(value)}"
                )
        return "\n".join(lines) + "\n" if lines else ""


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")

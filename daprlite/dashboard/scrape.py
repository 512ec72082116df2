"""One scrape of a sidecar's /metrics: the binding series the dashboard reads, parsed with
prometheus_client's exposition parser and stamped with the time it was taken."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

# Only these families are read; the rest of a scrape (HTTP, gRPC, process_*) is dropped before
# parsing, which keeps a scrape of a busy sidecar cheap.
_PREFIXES = ("dapr_component_", "daprlite_")


@dataclass(frozen=True, slots=True)
class Sample:
    name: str  # as the parser names it: a counter's samples always end in `_total`
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class Scrape:
    at: float  # time.time() when it was taken
    samples: tuple[Sample, ...]

    def named(self, name: str) -> Iterable[Sample]:
        return (s for s in self.samples if s.name == name)


def parse(text: str, at: float) -> Scrape:
    """The dashboard's families of a Prometheus text exposition; ValueError if it is not one."""
    wanted = "\n".join(line for line in text.splitlines() if _wanted(line))
    samples = tuple(
        Sample(s.name, dict(s.labels), float(s.value))
        for family in text_string_to_metric_families(wanted + "\n")
        for s in family.samples
    )
    return Scrape(at, samples)


def _wanted(line: str) -> bool:
    if line.startswith("# "):
        parts = line.split(" ", 3)
        return len(parts) > 2 and parts[2].startswith(_PREFIXES)
    return line.startswith(_PREFIXES)

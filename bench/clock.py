"""Per-call time for the in-process cost figures: wall time, and the process's CPU time, which
other work on a shared machine moves far less (no waiting for a core is counted)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PerCall:
    wall_us: float
    cpu_us: float


class Stopwatch:
    """Started when made; `per_call(n)` divides what both clocks moved by `n` calls."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def per_call(self, calls: int) -> PerCall:
        wall, cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu
        return PerCall(wall / calls * 1e6, cpu / calls * 1e6)


def best(runs: Iterable[PerCall]) -> PerCall:
    """The fastest round on each clock: noise only ever adds time."""
    runs = list(runs)
    return PerCall(min(r.wall_us for r in runs), min(r.cpu_us for r in runs))

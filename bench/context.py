"""What every case gets: the broker, a scratch folder, how many runs, and the sidecars to test."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Context:
    bootstrap: str
    work: Path  # scratch: component folders and sidecar logs
    runs: int = 3
    warmup: float = 1.0
    duration: float = 3.0
    daprd: str | None = None  # a daprd binary to compare with; None skips those rows
    concurrencies: tuple[int, ...] = (1, 16, 64)
    kinds: tuple[str, ...] = field(default=("daprlite",))

    @property
    def logs(self) -> Path:
        return self.work / "logs"

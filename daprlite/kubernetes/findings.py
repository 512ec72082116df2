"""One finding of the Kubernetes checks: an error (the API server would refuse it) or a warning
(accepted, but it would break or behave differently in a cluster), at file:line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    file: Path
    line: int  # 1-based; 0 when the file as a whole is meant
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"


def in_order(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings; each group by file, then line (stable for equal lines)."""
    return sorted(findings, key=lambda f: (f.severity != "error", str(f.file), f.line))


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "warning"]

"""Broker error messages that carry their own evidence: the fix, then the log's last lines."""

from __future__ import annotations

from collections import deque
from pathlib import Path

TAIL_LINES = 20


def tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    """The last `lines` lines of a text file; none when it does not exist yet."""
    try:
        with path.open(errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
    except FileNotFoundError:
        return []


def with_log_tail(message: str, log_file: Path, lines: int = TAIL_LINES) -> str:
    last = tail(log_file, lines)
    if not last:
        return f"{message} (no broker log at {log_file})"
    body = "\n".join(f"  | {line}" for line in last)
    return f"{message}\nLast {len(last)} lines of {log_file}:\n{body}"

"""An app's output for the Log view: the sidecar's kept lines, or, for a Multi-App Run whose
sidecar cannot say, the tail of the app's log file."""

from __future__ import annotations

import asyncio
from collections import deque
from pathlib import Path
from typing import Any

from daprlite.dashboard.discovery import Sidecar, SidecarClient, Unreachable

FILE_LINES = 1000


async def read(client: SidecarClient, sidecar: Sidecar, after: int) -> dict[str, Any]:
    """`{"source", "next", "lines": [{"seq", "time", "text"}], "error"}`, lines after `after`."""
    error = "metrics off: the sidecar keeps no log lines"
    if sidecar.observability is not None:
        try:
            doc = await client.json(
                f"{sidecar.observability}/daprlite/v1/log", {"after": str(after)}
            )
            return {"source": "sidecar", "next": doc.get("next", after),
                    "lines": doc.get("lines") or [], "error": ""}  # fmt: skip
        except Unreachable as exc:
            error = str(exc)
    path = sidecar.entry.app_log_path
    if path:
        lines = await asyncio.to_thread(_last_lines, Path(path))
        numbered = [{"seq": n, "time": None, "text": t} for n, t in lines if n > after]
        return {"source": path, "next": lines[-1][0] if lines else after,
                "lines": numbered, "error": ""}  # fmt: skip
    return {"source": "", "next": after, "lines": [], "error": error}


def _last_lines(path: Path) -> list[tuple[int, str]]:
    """The file's last FILE_LINES lines with their 1-based numbers (as seq)."""
    kept: deque[tuple[int, str]] = deque(maxlen=FILE_LINES)
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            for number, line in enumerate(stream, start=1):
                kept.append((number, line.rstrip("\n")))
    except OSError:
        return []
    return list(kept)

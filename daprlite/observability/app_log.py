"""The app's recent output, kept beside the printer so the dashboard can show an app's log even
when it only went to a terminal (a single `daprlite run` has no log file)."""

from __future__ import annotations

import itertools
import time
from collections import deque
from typing import Any

from daprlite.process.supervisor import LineSink

LOG_LINES = 1000


class AppLog:
    """A LineSink that passes every line on to `printer` and keeps the last `size` of them."""

    def __init__(self, printer: LineSink, size: int = LOG_LINES) -> None:
        self._printer = printer
        self._lines: deque[tuple[int, float, str]] = deque(maxlen=size)
        self._seq = itertools.count(1)

    def line(self, data: bytes | str) -> None:
        self._printer.line(data)
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        self._lines.append((next(self._seq), time.time(), text.rstrip("\r\n")))

    def since(self, after: int) -> dict[str, Any]:
        lines = [
            {"seq": seq, "time": at, "text": text}
            for seq, at, text in list(self._lines)
            if seq > after
        ]
        return {"next": lines[-1]["seq"] if lines else after, "lines": lines}

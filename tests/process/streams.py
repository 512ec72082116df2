"""Fake terminals for the app-output writer's tests."""

from __future__ import annotations

import io
import threading

DEADLINE = 10.0


class GatedStream(io.StringIO):
    """A terminal that stops reading: write() blocks until the gate opens."""

    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self._tty = tty
        self.entered = threading.Event()
        self.gate = threading.Event()

    def isatty(self) -> bool:
        return self._tty

    def write(self, s: str) -> int:
        self.entered.set()
        assert self.gate.wait(DEADLINE), "the test never opened the gate"
        return super().write(s)

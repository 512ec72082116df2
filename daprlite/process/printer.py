"""Where the app's output becomes `== APP == <line>`: the one owner of that format.

Text is written as is (no markup, no highlighting); colour only on a TTY without `NO_COLOR`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

# The dapr CLI paints the prefix blue (fatih/color FgBlue) and leaves the line alone.
_BLUE = "\x1b[34m"
_RESET = "\x1b[0m"


def _wants_colour(stream: TextIO, environ: Mapping[str, str]) -> bool:
    # no-color.org: the variable counts only when it is set to a non-empty value.
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Printer:
    """Writes app output lines, each behind the prefix, one flush per line.

    `app_id=None` gives the single-app form `== APP == `; an app id gives the multi-app form
    `== APP - <app-id> == `. `colour=None` decides from the stream and the environment.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        app_id: str | None = None,
        colour: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        # None: whatever sys.stdout is when a line is written (a spinner may redirect it).
        self._stream = stream
        self.prefix = "== APP ==" if app_id is None else f"== APP - {app_id} =="
        if colour is None:
            colour = _wants_colour(self._out, os.environ if environ is None else environ)
        self._head = f"{_BLUE}{self.prefix}{_RESET} " if colour else f"{self.prefix} "
        self._broken = False

    @property
    def _out(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    def line(self, data: bytes | str) -> None:
        """Print one line; a trailing `\\n` or `\\r\\n` is dropped, bytes are decoded as UTF-8."""
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        self._emit(text)

    def write(self, data: bytes | str) -> None:
        """Print every line in `data`; a last line without a newline is still a line."""
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        if not text:
            return
        # split("\n"), not splitlines(): \x0b, \x1c or \u2028 inside an app's line are not breaks.
        parts = text.split("\n")
        if parts[-1] == "":
            parts.pop()
        for part in parts:
            self._emit(part.removesuffix("\r"))

    def _emit(self, text: str) -> None:
        if self._broken:
            return
        try:
            out = self._out
            out.write(f"{self._head}{text}\n")
            out.flush()
        except BrokenPipeError:
            # `daprlite run ... | head` closed our stdout: the sidecar keeps running, quietly.
            self._broken = True

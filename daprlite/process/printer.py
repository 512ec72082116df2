"""Where the app's output becomes `== APP == <line>`: the one owner of that format, and of the
one thread that writes it, so a slow terminal or a full pipe never stalls the event loop.
Text is written as is (no markup, no highlighting); colour only on a TTY without `NO_COLOR`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TextIO

from daprlite import console

log = logging.getLogger("daprlite.process")

# The dapr CLI paints the prefix blue (fatih/color FgBlue) and leaves the line alone.
_BLUE = "\x1b[34m"
_RESET = "\x1b[0m"

# What may wait for a slow terminal: a few seconds of a very chatty app, a few MiB at most.
MAX_QUEUED_LINES = 10_000
MAX_QUEUED_CHARS = 8 * 1024 * 1024
# How long shutdown waits for queued output before giving up on a terminal that stays stuck.
EXIT_DRAIN_SECONDS = 3.0


def _wants_colour(stream: TextIO, environ: Mapping[str, str]) -> bool:
    # no-color.org: the variable counts only when it is set to a non-empty value.
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def drop_notice(count: int, what: str) -> str:
    """The line that stands where output was dropped: never a silent gap."""
    lines = "1 line" if count == 1 else f"{count} lines"
    return f"[daprlite: {lines} of {what} dropped here; the terminal or pipe was not keeping up]"


class OutputSink(Protocol):
    """Somewhere the writer thread writes to; only that thread calls these."""

    def write_now(self, text: str) -> None:
        """Write and flush `text`; may block (that is what the thread is for)."""

    def dropped_notice(self, count: int) -> str:
        """The text written where `count` of this sink's writes were dropped."""


@dataclass(slots=True)
class _Job:
    sink: OutputSink | None
    text: str = ""
    dropped: int = 0
    call: Callable[[], None] | None = None

    def run(self) -> None:
        if self.call is not None:
            self.call()
        elif self.sink is not None and self.dropped:
            self.sink.write_now(self.sink.dropped_notice(self.dropped))
        elif self.sink is not None:
            self.sink.write_now(self.text)


class LineWriter:
    """One daemon thread that writes every queued text, in order (honcho's single printer).

    submit() never blocks: when the queue is full the text is dropped and counted, and a notice
    takes its place once the writer catches up. Called on the writer thread itself (a sink that
    writes into another sink), it writes at once: that thread is the one allowed to block.
    """

    def __init__(
        self, max_lines: int = MAX_QUEUED_LINES, max_chars: int = MAX_QUEUED_CHARS
    ) -> None:
        self._max_lines, self._max_chars = max_lines, max_chars
        self._cond = threading.Condition()
        self._jobs: deque[_Job] = deque()
        self._chars = 0
        self._queued = self._done = 0  # jobs ever queued, and ever finished
        # Sinks with a gap not yet marked by a notice, oldest gap first.
        self._dropped: dict[OutputSink, int] = {}
        self._thread: threading.Thread | None = None
        self._failed: set[OutputSink | None] = set()  # only the writer thread touches it

    def submit(self, sink: OutputSink, text: str) -> None:
        if self._on_writer_thread():
            sink.write_now(text)
            return
        with self._cond:
            gap = self._dropped.get(sink, 0)
            # The notice and the text after it go in together, so the gap is marked where it is.
            if not self._has_room(len(text), 2 if gap else 1):
                self._dropped[sink] = gap + 1
                return
            if gap:
                del self._dropped[sink]
                self._put(_Job(sink, dropped=gap))
            self._put(_Job(sink, text))

    def call(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the writer thread after everything queued so far; never dropped."""
        if self._on_writer_thread():
            fn()
            return
        with self._cond:
            self._put(_Job(None, call=fn))

    def drain(self, timeout: float) -> int:
        """Block until everything queued so far is written and its gaps are marked (later
        writes, e.g. another app's, do not count); return how many were still left at
        `timeout`, 0 when all were written."""
        if self._on_writer_thread():
            return 0  # the thread cannot wait for itself; everything before us is written
        with self._cond:
            if self._thread is None:
                return 0
            self._put(_Job(None, call=self._mark_gaps))
            target = self._queued
            if self._cond.wait_for(lambda: self._done >= target, timeout):
                return 0
            # Not counting the marker job itself, unless the writer is stuck in it.
            return max(target - self._done - 1, 1)

    def _on_writer_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def _has_room(self, chars: int, jobs: int) -> bool:
        if not self._jobs:
            return True  # an idle writer takes anything, however long the line
        return len(self._jobs) + jobs <= self._max_lines and self._chars + chars <= self._max_chars

    def _put(self, job: _Job) -> None:
        # Under self._cond.
        self._jobs.append(job)
        self._chars += len(job.text)
        self._queued += 1
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="daprlite-output", daemon=True)
            self._thread.start()
        self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    if self._dropped:
                        # Caught up: the gaps are marked now, not at the next line (which may
                        # never come).
                        for sink, count in self._dropped.items():
                            self._put(_Job(sink, dropped=count))
                        self._dropped.clear()
                    else:
                        self._cond.wait()
                job = self._jobs.popleft()
                self._chars -= len(job.text)
            try:
                job.run()
            except Exception:
                # This thread is the only writer of app output: it must outlive any one error.
                # Once per sink: a stream that fails once (closed, say) fails every line.
                if job.sink not in self._failed:
                    self._failed.add(job.sink)
                    log.exception("app output could not be written")
            finally:
                with self._cond:
                    self._done += 1
                    self._cond.notify_all()

    def _mark_gaps(self) -> None:
        # On the writer thread, for drain(): the notices must not wait for an idle moment.
        with self._cond:
            gaps = list(self._dropped.items())
            self._dropped.clear()
        for sink, count in gaps:
            sink.write_now(sink.dropped_notice(count))


_shared: LineWriter | None = None
_shared_lock = threading.Lock()


def app_output() -> LineWriter:
    """The process's one writer of app output (a Multi-App Run shares it between its apps)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LineWriter()
        return _shared


async def drain_app_output(
    timeout: float = EXIT_DRAIN_SECONDS, writer: LineWriter | None = None
) -> bool:
    """At shutdown: wait, off the loop, until every line queued so far is written or `timeout`
    ends; a terminal that stays stuck is told how many lines it did not get. `writer=None`:
    the shared writer."""
    writer = writer if writer is not None else _shared
    if writer is None:
        return True
    left = await asyncio.to_thread(writer.drain, timeout)
    if left:
        # stderr: stdout is the stream that is not keeping up.
        console.warning(
            f"{left} lines of app output were not printed within {timeout:g}s of stopping: "
            "the terminal or pipe was not keeping up",
            sys.stderr,
        )
    return not left


class Printer:
    """Prints app output lines, each behind the prefix, one flush per line, through a writer.

    `app_id=None` gives the single-app form `== APP == `; an app id gives the multi-app form
    `== APP - <app-id> == `. `colour=None` decides from the stream and the environment.
    `writer=None` uses the process's shared writer.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        app_id: str | None = None,
        colour: bool | None = None,
        environ: Mapping[str, str] | None = None,
        writer: LineWriter | None = None,
    ) -> None:
        # None: whatever sys.stdout is when a line is written (a spinner may redirect it).
        self._stream = stream
        self._writer = writer if writer is not None else app_output()
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
        self._writer.submit(self, f"{self._head}{text}\n")

    # --- on the writer thread ---------------------------------------------------------------

    def write_now(self, text: str) -> None:
        if self._broken:
            return
        try:
            out = self._out
            out.write(text)
            out.flush()
        except BrokenPipeError:
            # `daprlite run ... | head` closed our stdout: the sidecar keeps running, quietly.
            self._broken = True

    def dropped_notice(self, count: int) -> str:
        return f"{self._head}{drop_notice(count, 'app output')}\n"

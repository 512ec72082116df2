"""Where each app's and each sidecar's lines go in a Multi-App Run: its log files under
`<appDirPath>/.dapr/logs/` and/or the console, as `appLogDestination`/`daprdLogDestination` say.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import time
from collections.abc import Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import TextIO, cast

from daprlite.console import DaprdFormatter, install_root
from daprlite.model.config import LOG_LEVELS
from daprlite.multiapp.template import TemplateApp
from daprlite.process.printer import LineWriter, app_output, drop_notice

# The app whose sidecar is running the current task (or thread): how one process's log records
# find their app's log destination.
current_app: ContextVar[str | None] = ContextVar("daprlite_current_app", default=None)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Tee(io.TextIOBase):
    """A text stream writing to a log file (colour codes stripped) and/or the console.

    Writes go through the app-output writer thread, in order with the app's own lines, so a
    slow console never blocks the event loop. The console side is known from the start (a
    Printer decides on colour when it is made); the file is bound by AppLogs.open().
    """

    def __init__(self, console: TextIO | None, writer: LineWriter | None = None) -> None:
        super().__init__()
        self._file: TextIO | None = None
        self._console = console
        self._writer = writer if writer is not None else app_output()

    def bind(self, file: TextIO | None) -> None:
        self._file = file

    def write(self, text: str) -> int:
        if text:
            self._writer.submit(self, text)
        return len(text)

    def flush(self) -> None:
        pass  # the writer flushes after every write

    def isatty(self) -> bool:
        # Colour is for the console; the file side strips it again.
        return self._console is not None and self._console.isatty()

    # --- on the writer thread ---------------------------------------------------------------

    def write_now(self, text: str) -> None:
        if self._console is not None:
            try:
                self._console.write(text)
                self._console.flush()
            except BrokenPipeError:
                # The console reader went away (`| head`): the log file still gets everything.
                self._console = None
        if self._file is not None:
            self._file.write(_ANSI.sub("", text))

    def dropped_notice(self, count: int) -> str:
        return drop_notice(count, "sidecar log") + "\n"


class AppLogs:
    """One app's two destinations, opened as the dapr CLI opens them (a new file per run).

    `app` and `daprd` are streams from the start; open() binds them to their files.
    """

    def __init__(
        self, app: TemplateApp, console: TextIO | None = None, writer: LineWriter | None = None
    ) -> None:
        self._app_spec = app
        out = console if console is not None else sys.stdout
        self._writer = writer if writer is not None else app_output()
        self.dir = app.logs_dir
        self._files: list[TextIO] = []
        self.app_log_path: Path | None = None
        self.daprd_log_path: Path | None = None
        self._app_tee = Tee(out if app.app_log != "file" else None, self._writer)
        self._daprd_tee = Tee(out if app.daprd_log != "file" else None, self._writer)
        self.app = cast(TextIO, self._app_tee)
        self.daprd = cast(TextIO, self._daprd_tee)

    def open(self) -> None:
        app = self._app_spec
        stamp = time.strftime("%Y%m%d%H%M%S")
        self.app_log_path = self._open_path(app, "app", stamp, app.app_log)
        self.daprd_log_path = self._open_path(app, "daprd", stamp, app.daprd_log)
        self._app_tee.bind(self._open(self.app_log_path))
        self._daprd_tee.bind(self._open(self.daprd_log_path))

    def _open_path(self, app: TemplateApp, kind: str, stamp: str, dest: str) -> Path | None:
        if dest == "console":
            return None
        self.dir.mkdir(parents=True, exist_ok=True)
        return self.dir / f"{app.config.app_id}_{kind}_{stamp}.log"

    def _open(self, path: Path | None) -> TextIO | None:
        if path is None:
            return None
        # Line-buffered: `tail -f` on the log shows each line as it happens.
        stream = path.open("a", encoding="utf-8", buffering=1)
        self._files.append(stream)
        return stream

    def close(self) -> None:
        """Close the files once the writer has written everything queued for them."""
        files, self._files = self._files, []

        def close_now() -> None:
            self._app_tee.bind(None)
            self._daprd_tee.bind(None)
            for stream in files:
                stream.close()

        self._writer.call(close_now)


class AppLogRouter(logging.Handler):
    """Sends each `daprlite.*` record to the handler of the app in `current_app`; records made
    outside any app's task (start-up of the run itself) go to `fallback`."""

    def __init__(self, fallback: logging.Handler) -> None:
        super().__init__()
        self._fallback = fallback
        self._apps: dict[str, logging.Handler] = {}

    def add(self, app_id: str, handler: logging.Handler) -> None:
        self._apps[app_id] = handler

    def emit(self, record: logging.LogRecord) -> None:
        app_id = current_app.get()
        handler = self._apps.get(app_id, self._fallback) if app_id else self._fallback
        if record.levelno >= handler.level:
            handler.handle(record)


def sidecar_handler(app: TemplateApp, stream: TextIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(DaprdFormatter(app.config.app_id, app.config.log_as_json))
    handler.setLevel(LOG_LEVELS.get(app.config.log_level, logging.INFO))
    return handler


def install_router(
    apps: tuple[TemplateApp, ...], noisy_loggers: Iterable[str] = ()
) -> AppLogRouter:
    """Route the `daprlite` logger per app. Records are made at the most verbose app's level;
    each app's handler then keeps only what its own level shows."""
    fallback = logging.StreamHandler(sys.stdout)
    fallback.setFormatter(DaprdFormatter("daprlite"))
    router = AppLogRouter(fallback)
    level = min(LOG_LEVELS.get(a.config.log_level, logging.INFO) for a in apps)
    install_root(router, level, noisy_loggers)
    return router

"""What daprlite prints: CLI status lines (ℹ️ ✅ ❌) and sidecar log lines shaped like daprd's."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from daprlite import __version__
from daprlite.model.config import LOG_LEVELS

# daprd's (logrus's) four-letter level names.
_NAMES = {
    logging.DEBUG: "DEBU",
    logging.INFO: "INFO",
    logging.WARNING: "WARN",
    logging.ERROR: "ERRO",
    logging.CRITICAL: "FATA",
}
_JSON_NAMES = {"DEBU": "debug", "INFO": "info", "WARN": "warning", "ERRO": "error", "FATA": "fatal"}


def info(message: str, stream: TextIO | None = None) -> None:
    _status("ℹ️  ", message, stream)


def success(message: str, stream: TextIO | None = None) -> None:
    _status("✅  ", message, stream)


def failure(message: str, stream: TextIO | None = None) -> None:
    _status("❌  ", message, stream or sys.stderr)


def warning(message: str, stream: TextIO | None = None) -> None:
    _status("⚠  ", message, stream)


def _status(mark: str, message: str, stream: TextIO | None) -> None:
    out = stream or sys.stdout
    # `daprlite run ... | head` closes our stdout: the run goes on, its status lines unseen.
    with contextlib.suppress(BrokenPipeError):
        out.write(f"{mark}{message}\n")
        out.flush()


class DaprdFormatter(logging.Formatter):
    """`INFO[0003] message  app_id=x instance=host scope=daprlite.runtime type=log ver=0.1.0`.

    The layout of daprd's text logs, so people (and their grep habits) read both alike.
    """

    def __init__(self, app_id: str, as_json: bool = False) -> None:
        super().__init__()
        self._app_id, self._as_json = app_id, as_json
        self._instance = socket.gethostname()
        self._started = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        level = _NAMES.get(record.levelno, "INFO")
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if self._as_json:
            return json.dumps(
                {
                    "app_id": self._app_id,
                    "instance": self._instance,
                    "level": _JSON_NAMES[level],
                    "msg": message,
                    "scope": record.name,
                    "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                    "type": "log",
                    "ver": __version__,
                }
            )
        elapsed = int(time.monotonic() - self._started)
        return (
            f"{level}[{elapsed:04d}] {message}  app_id={self._app_id} "
            f"instance={self._instance} scope={record.name} type=log ver={__version__}"
        )


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the moment: while a spinner turns, rich has
    redirected it so that lines print above the spinner instead of through it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        # A closed pipe (`| head`) is not worth a "--- Logging error ---" traceback per line.
        if not isinstance(sys.exc_info()[1], BrokenPipeError):
            super().handleError(record)


@contextmanager
def spinner(message: str, stream: TextIO | None = None) -> Iterator[None]:
    """A spinner while something is awaited, on a terminal only; elsewhere nothing.

    `stream` set means output goes somewhere else (a Multi-App Run's log): no spinner.
    """
    if stream is not None or not sys.stdout.isatty():
        yield
        return
    # Here, not at the top: most commands print no spinner and start faster without rich.
    from rich.console import Console

    with Console(highlight=False).status(message):
        yield


def setup_logging(
    app_id: str, level: str, as_json: bool = False, noisy_loggers: Iterable[str] = ()
) -> None:
    """Sidecar log lines to stdout, daprd-shaped, at `level`."""
    handler = StdoutHandler()
    handler.setFormatter(DaprdFormatter(app_id, as_json))
    install_root(handler, LOG_LEVELS.get(level, logging.INFO), noisy_loggers)


def install_root(handler: logging.Handler, level: int, noisy_loggers: Iterable[str]) -> None:
    """Make `handler` the only one of the `daprlite` logger tree, at `level`.

    `noisy_loggers` (each binding type names its own, e.g. librdkafka's, which warns about
    every transient broker state and then recovers) show only errors unless `level` is debug.
    """
    root = logging.getLogger("daprlite")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    for name in noisy_loggers:
        logging.getLogger(name).setLevel(logging.ERROR if level > logging.DEBUG else logging.NOTSET)

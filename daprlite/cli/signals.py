"""How a `daprlite run` process meets Ctrl-C and SIGTERM: the first asks for a graceful stop,
a second one ends everything at once (the apps too: they live in sessions of their own)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from daprlite import console
from daprlite.model.errors import ExitCode


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (e.g. on Windows)
        return asyncio.run(main)
    return uvloop.run(main)


def handle_stop_signals(
    *,
    stopping: Callable[[], bool],
    request_stop: Callable[[int], None],
    app_pids: Callable[[], list[int]],
    announce: str,
) -> None:
    """Install SIGINT/SIGTERM handlers on the running loop.

    The second signal forces the exit, not the first one after a stop began some other way
    (`POST /v1.0/shutdown`, `daprlite stop`): that one still waits for the graceful stop.
    """
    received = 0

    def on_signal(signum: int) -> None:
        nonlocal received
        received += 1
        if received > 1 and stopping():
            for pid in app_pids():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
            os._exit(ExitCode.SIGINT if signum == signal.SIGINT else ExitCode.SIGTERM)
        console.info(announce)
        request_stop(signum)

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)

"""`daprlite run -f dapr.yaml`: the CLI edge of Multi-App Run (template → one process, signals)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from daprlite import console
from daprlite.errors import ExitCode
from daprlite.multiapp.logs import install_router
from daprlite.multiapp.runner import MultiAppRun
from daprlite.multiapp.template import RunTemplate, load_template


def run_template(path: Path, log_as_json: bool = False) -> int:
    """Load the template (ConfigError names file:line), then run its apps until stopped."""
    template = load_template(path)
    if log_as_json:
        apps = tuple(replace(a, config=replace(a.config, log_as_json=True)) for a in template.apps)
        template = replace(template, apps=apps)
    return run_loop(_serve(template))


def run_loop(main: Coroutine[Any, Any, int]) -> int:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (e.g. on Windows)
        return asyncio.run(main)
    return uvloop.run(main)


async def _serve(template: RunTemplate) -> int:
    run = MultiAppRun(template, install_router(template.apps))
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if run.stopping:
            # A second Ctrl-C means "now": the apps live in their own sessions, so kill their
            # groups ourselves before leaving, or they would outlive us.
            for pid in run.app_pids():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
            os._exit(ExitCode.SIGINT if signum == signal.SIGINT else ExitCode.SIGTERM)
        console.info(
            "Received signal to stop Dapr and app processes. Shutting down Dapr and app processes."
        )
        run.request_stop(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    return await run.run()

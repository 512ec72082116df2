"""`daprlite run -f dapr.yaml`: the CLI edge of Multi-App Run (template → one process, signals)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from daprlite.bindings.registry import BindingRegistry
from daprlite.cli.environment import user_environment
from daprlite.cli.records import RunRecords
from daprlite.cli.signals import handle_stop_signals, run_loop
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


async def _serve(template: RunTemplate) -> int:
    router = install_router(template.apps, BindingRegistry().noisy_loggers())
    run = MultiAppRun(template, router, RunRecords(), user_environment())
    handle_stop_signals(
        stopping=lambda: run.stopping,
        request_stop=run.request_stop,
        app_pids=run.app_pids,
        announce="Received signal to stop Dapr and app processes. "
        "Shutting down Dapr and app processes.",
    )
    return await run.run()

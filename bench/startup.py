"""Start-up and idle footprint with the seed's component (one Kafka binding, input and output)
and the bench app beside the sidecar: spawn → outbound-ready (GET /v1.0/healthz/outbound answers
204) → healthz-ready, with the broker already up; then the sidecar's RSS after a few idle
seconds. Beside them, the wall time of short `daprlite` CLI commands (daprd has none).
(Spawn → first delivery to an app is measured by the input cases.)"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.env import ROOT, create_topic
from bench.sidecar import APP_COMMAND, launch
from bench.stats import aggregate
from tests.support.components import write_component
from tests.support.ports import free_port

BINDING = "bench-start"
IDLE_SECONDS = 3.0
RUNS = 5  # cheap, and start-up time is the noisiest figure
# Result field → the CLI's arguments; `list` with an empty DAPRLITE_HOME (no runs to read).
CLI_COMMANDS = {"cli_help_s": ("--help",), "cli_version_s": ("--version",), "cli_list_s": ("list",)}


def run(ctx: Context) -> dict[str, Any]:
    topic = create_topic(ctx.bootstrap, 1, "bench-start")
    components = ctx.work / "components-start"
    # As the seed's components/kafka_bindings.yaml: topics, publishTopic and consumerGroup in one
    # component, so the sidecar starts a consumer as well as a producer.
    write_component(components, BINDING, ctx.bootstrap, topic=topic, authRequired="false")
    samples: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="daprlite-bench-home-") as empty_home:
        for round_no in range(max(ctx.runs, RUNS)):
            for kind in ctx.kinds:
                print(f"  start-up run {round_no + 1}: {kind}", flush=True)
                sample = _sidecar(ctx, kind, components)
                if kind == "daprlite":
                    sample |= {
                        field: _cli_seconds(args, Path(empty_home))
                        for field, args in CLI_COMMANDS.items()
                    }
                samples.setdefault(f"{kind}-startup", []).append(sample)
    return {key: aggregate(runs) for key, runs in samples.items()}


def _sidecar(ctx: Context, kind: str, components: Path) -> dict[str, Any]:
    """One spawn with the app beside it (daprlite starts it; beside daprd the bench does, just
    before daprd): both sidecars open their input binding with an app to deliver to."""
    sidecar = launch(
        kind, components, ctx.logs, app_id="bench-start", app_port=free_port(), daprd=ctx.daprd,
        app_command=(*APP_COMMAND, "--route", BINDING),
    )  # fmt: skip
    try:
        outbound = sidecar.wait_ready("/v1.0/healthz/outbound")
        healthz = sidecar.wait_ready("/v1.0/healthz")
        time.sleep(IDLE_SECONDS)
        idle = sidecar.rss_mb()
    finally:
        sidecar.stop()
    return {"outbound_ready_s": outbound, "healthz_ready_s": healthz, "idle_rss_mb": idle}


def _cli_seconds(args: tuple[str, ...], home: Path) -> float:
    """Wall time of one fresh `daprlite ARGS` process, as a user's shell would run it."""
    script = Path(sys.executable).with_name("daprlite")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "daprlite"]
    env = os.environ | {"DAPRLITE_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=60, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"daprlite {' '.join(args)} exited {done.returncode}: {done.stderr!r}")
    return seconds

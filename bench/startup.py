"""Start-up and idle footprint: spawn → outbound-ready (GET /v1.0/healthz/outbound answers 204)
→ healthz-ready, with the broker already up and no app; then the RSS after a few idle seconds.
(Spawn → first delivery to an app is measured by the input cases, app start-up included.)"""

from __future__ import annotations

import time
from typing import Any

from bench.context import Context
from bench.env import create_topic
from bench.sidecar import launch
from bench.stats import aggregate
from tests.support.components import write_component

IDLE_SECONDS = 3.0
RUNS = 5  # cheap, and start-up time is the noisiest figure


def run(ctx: Context) -> dict[str, Any]:
    topic = create_topic(ctx.bootstrap, 1, "bench-start")
    components = ctx.work / "components-start"
    write_component(components, "bench-out", ctx.bootstrap, publishTopic=topic, direction="output")
    samples: dict[str, list[dict[str, Any]]] = {}
    for round_no in range(max(ctx.runs, RUNS)):
        for kind in ctx.kinds:
            print(f"  start-up run {round_no + 1}: {kind}", flush=True)
            sidecar = launch(kind, components, ctx.logs, app_id="bench-start", daprd=ctx.daprd)
            try:
                outbound = sidecar.wait_ready("/v1.0/healthz/outbound")
                healthz = sidecar.wait_ready("/v1.0/healthz")
                time.sleep(IDLE_SECONDS)
                idle = sidecar.rss_mb()
            finally:
                sidecar.stop()
            samples.setdefault(f"{kind}-startup", []).append(
                {"outbound_ready_s": outbound, "healthz_ready_s": healthz, "idle_rss_mb": idle}
            )
    return {key: aggregate(runs) for key, runs in samples.items()}

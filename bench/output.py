"""Output cases: two ceilings (daprlite's Kafka binding in process, for throughput; confluent-kafka
with the lowest-latency settings, for the round trip) and each sidecar's HTTP and gRPC API,
interleaved run by run so that drift on the noisy machine hits every case alike."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bench.context import Context
from bench.env import create_topic, run_module
from bench.sidecar import Sidecar, launch
from bench.stats import aggregate
from tests.support.components import write_component

BINDING = "bench-out"
# Result keys too: `ceiling` (daprlite's producer settings) predates `latency-ceiling`.
CEILINGS = ("ceiling", "latency-ceiling")


def run(ctx: Context) -> dict[str, Any]:
    topic = create_topic(ctx.bootstrap, 1, "bench-out")
    components = ctx.work / "components-out"
    write_component(components, BINDING, ctx.bootstrap, publishTopic=topic, direction="output")
    sidecars = {
        kind: launch(kind, components, ctx.logs, app_id=f"bench-out-{kind}", daprd=ctx.daprd)
        for kind in ctx.kinds
    }
    samples: dict[str, list[dict[str, Any]]] = {}
    try:
        for sidecar in sidecars.values():
            sidecar.wait_ready("/v1.0/healthz/outbound")
        for round_no in range(ctx.runs):
            for c in ctx.concurrencies:
                print(f"  output run {round_no + 1}/{ctx.runs}, concurrency {c}", flush=True)
                common = ["--concurrency", str(c), "--warmup", str(ctx.warmup)]
                common += ["--duration", str(ctx.duration)]
                for mode in CEILINGS:
                    result = run_module(
                        "bench.loadgen", mode, "--target", ctx.bootstrap, "--binding", topic,
                        *common,
                    )  # fmt: skip
                    samples.setdefault(f"{mode}/c{c}", []).append(result)
                for kind, sidecar in sidecars.items():
                    for api, port in (("http", sidecar.http_port), ("grpc", sidecar.grpc_port)):
                        target = f"127.0.0.1:{port}"
                        cpu0 = sidecar.cpu_seconds()
                        with RssSampler(sidecar) as rss:
                            result = run_module(
                                "bench.loadgen", api, "--target", target, "--binding", BINDING,
                                *common,
                            )  # fmt: skip
                        result["rss_mb"] = rss.peak
                        # CPU per message is what the sidecar costs, whoever else is busy.
                        cpu = sidecar.cpu_seconds() - cpu0
                        result["sidecar_cpu_us"] = cpu / max(result["calls"], 1) * 1e6
                        samples.setdefault(f"{kind}-{api}/c{c}", []).append(result)
    finally:
        for sidecar in sidecars.values():
            sidecar.stop()
    return {key: aggregate(runs) for key, runs in samples.items()}


class RssSampler:
    """The sidecar's peak RSS while a load runs, sampled every 100 ms."""

    def __init__(self, sidecar: Sidecar, interval: float = 0.1) -> None:
        self._read: Callable[[], float] = sidecar.rss_mb
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.peak = 0.0

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.peak = max(self.peak, self._read())
            except Exception:  # the process ended; the peak so far stands
                return

    def __enter__(self) -> RssSampler:
        self.peak = self._read()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

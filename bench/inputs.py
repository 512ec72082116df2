"""Input cases: N messages pre-loaded in 1 and in 6 partitions, drained by a sidecar into the
bench app (msgs/s, per-partition order, time to first delivery), then a steady produce rate
for end-to-end latency (produce → app receives, from timestamps in the messages). Every record
is 1 KB (bench.env.record)."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from typing import Any

from confluent_kafka import Producer

from bench.context import Context
from bench.env import create_topic, preload, record, run_module
from bench.output import RssSampler
from bench.sidecar import launch
from bench.stats import aggregate, latency_summary
from tests.support.components import write_component
from tests.support.ports import free_port

BINDING = "bench-in"
MESSAGES = {1: 5_000, 6: 20_000}  # bounded so one drain takes seconds, not minutes
STEADY_RATE = 1_000  # msgs/s, Dapr's own perf-test load
STEADY_SECONDS = 3.0


def run(ctx: Context) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {}
    for round_no in range(ctx.runs):
        for partitions, count in MESSAGES.items():
            for kind in ctx.kinds:
                print(f"  input run {round_no + 1}/{ctx.runs}: {kind}, {partitions} partition(s)")
                result = one_run(ctx, kind, partitions, count)
                samples.setdefault(f"{kind}-input/p{partitions}", []).append(result)
    return {key: aggregate(runs) for key, runs in samples.items()}


def one_run(ctx: Context, kind: str, partitions: int, count: int) -> dict[str, Any]:
    topic = create_topic(ctx.bootstrap, partitions, "bench-in")
    preload(ctx.bootstrap, topic, partitions, count)
    components = ctx.work / f"components-in-{uuid.uuid4().hex[:6]}"
    write_component(
        components, BINDING, ctx.bootstrap,
        topics=topic, consumerGroup=f"bench-{uuid.uuid4().hex[:8]}", initialOffset="oldest",
    )  # fmt: skip
    app_port = free_port()
    spawned_wall = time.time()
    sidecar = launch(kind, components, ctx.logs, app_id="bench-in", app_port=app_port,
                     daprd=ctx.daprd)  # fmt: skip
    try:
        ready = sidecar.wait_ready("/v1.0/healthz")
        cpu0 = sidecar.cpu_seconds()
        with RssSampler(sidecar) as rss:
            drained = _wait_for(app_port, count, timeout=120.0)
        cpu = sidecar.cpu_seconds() - cpu0
        result: dict[str, Any] = {
            "msgs_per_s": (count - 1) / max(drained["last"] - drained["first"], 1e-9),
            "order_kept": drained["violations"] == 0 and drained["gaps"] == 0,
            "order_violations": drained["violations"],
            "seq_gaps": drained["gaps"],
            "offset_violations": drained["offset_violations"],
            "ready_s": ready,
            "first_delivery_s": drained["first"] - spawned_wall,
            "rss_mb": rss.peak,
            "sidecar_cpu_us": cpu / count * 1e6,
        }
        if partitions == 1:
            # The ceiling of one-at-a-time delivery: sequential POSTs straight to the app.
            rtt = run_module("bench.loadgen", "app", "--target", f"127.0.0.1:{app_port}",
                             "--binding", "echo", "--duration", "2")  # fmt: skip
            result["app_rtt_ms"] = 1000 / rtt["msgs_per_s"]
            result["app_bound_msgs_per_s"] = rtt["msgs_per_s"]
        result |= _steady(ctx.bootstrap, topic, partitions, count, app_port)
        return result
    finally:
        sidecar.stop()


def _steady(
    bootstrap: str, topic: str, partitions: int, preloaded: int, port: int
) -> dict[str, Any]:
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 0, "enable.idempotence": True}
    )
    # A new idempotent producer first gets metadata and a producer id, and what it is given
    # meanwhile waits (~0.5 s here): one unmeasured warm-up message goes through first.
    _request(port, "POST", "/reset")
    producer.produce(topic, record(0, -1), partition=0)
    producer.flush(30)
    _wait_for(port, 1, timeout=30.0)
    _request(port, "POST", "/reset")
    total = int(STEADY_RATE * STEADY_SECONDS)
    start = time.monotonic()
    for i in range(total):
        # Paced, not bursted: message i leaves at start + i/rate.
        delay = start + i / STEADY_RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n = preloaded + i
        producer.produce(topic, record(n % partitions, n // partitions), partition=n % partitions)
        producer.poll(0)
    producer.flush(30)
    stats = _wait_for(port, total, timeout=60.0, latencies=True)
    summary = latency_summary(stats["latencies"])
    return {
        "e2e_p50_ms": summary["p50_ms"],
        "e2e_p99_ms": summary["p99_ms"],
        "steady_order_kept": stats["violations"] == 0,
    }


def _wait_for(port: int, count: int, timeout: float, latencies: bool = False) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        path = "/stats" + ("" if latencies else "?brief=1")
        stats: dict[str, Any] = json.loads(_request(port, "GET", path))
        if stats["count"] >= count:
            return stats
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app got {stats['count']} of {count} messages")
        time.sleep(0.05)


def _request(port: int, method: str, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path)
        return connection.getresponse().read()
    finally:
        connection.close()

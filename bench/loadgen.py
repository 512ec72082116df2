"""The load generator, run as its own process so that it does not share the sidecar's event loop.

`python -m bench.loadgen MODE --concurrency N ...` keeps N calls in flight for a warm-up and then
a measured window, and prints one JSON line: msgs/s and latency percentiles of that window.

Modes: `ceiling` (the throughput ceiling: daprlite's Kafka output binding called in process, so
its producer settings and ack hand-off without the sidecar's API), `latency-ceiling` (the
broker round trip with the lowest-latency settings: linger.ms=0, no event loop, the delivery
callback served by a blocking poll), `http` (POST /v1.0/bindings/NAME), `grpc` (InvokeBinding),
`app` (POST to the app, for the app's own round-trip time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.stats import latency_summary
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest

Call = Callable[[], Awaitable[None]]


def payload(size: int) -> bytes:
    """A JSON object of about `size` bytes, the `data` every mode sends (Dapr's tests use 1 KB)."""
    filler = "x" * max(size - 40, 0)
    return json.dumps({"id": 12345, "kind": "bench", "text": filler}).encode()


def result(
    latencies: list[float], duration: float, errors: int, calls: int, cpu: float
) -> dict[str, Any]:
    """The JSON line of a run: msgs/s and latency percentiles of the measured window."""
    return {
        "msgs_per_s": len(latencies) / duration,
        "errors": errors,
        # Every completed call, warm-up included: the denominator for CPU time per message.
        "calls": calls,
        "client_cpu_us": cpu / max(calls, 1) * 1e6,
    } | latency_summary(latencies)


async def drive(call: Call, concurrency: int, warmup: float, duration: float) -> dict[str, Any]:
    """Keep `concurrency` calls in flight; measure only the calls that start inside the window."""
    loop = asyncio.get_running_loop()
    start = loop.time() + warmup
    end = start + duration
    latencies: list[float] = []
    errors = calls = 0

    async def worker() -> None:
        nonlocal errors, calls
        while loop.time() < end:
            measured = loop.time() >= start
            t0 = time.perf_counter()
            try:
                await call()
            except Exception as exc:  # a failed call counts, and is shown once
                errors += 1
                if errors == 1:
                    print(f"loadgen: call failed: {exc!r}", file=sys.stderr)
                continue
            calls += 1
            if measured:
                latencies.append(time.perf_counter() - t0)

    cpu0 = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu = time.process_time() - cpu0
    return result(latencies, duration, errors, calls, cpu)


class CeilingProducer:
    """daprlite's own Kafka output binding, called in process: the sidecar's produce path (its
    settings, poll thread and ack hand-off) without the API in front of it."""

    def __init__(self, bootstrap: str, topic: str, data: bytes) -> None:
        self.request = InvokeRequest(data, {}, "create")
        self.component = Component(
            "bench-ceiling", "bindings.kafka", "v1",
            {"brokers": bootstrap, "publishTopic": topic, "authType": "none"},
            Path("bench-ceiling.yaml"), 1,
        )  # fmt: skip
        self.output = KafkaOutput()

    async def start(self) -> None:
        await self.output.init(self.component)

    async def call(self) -> None:
        await self.output.invoke(self.request)

    async def close(self) -> None:
        await self.output.close()


def latency_ceiling(
    bootstrap: str, topic: str, data: bytes, concurrency: int, warmup: float, duration: float
) -> dict[str, Any]:
    """Keep `concurrency` messages in flight from one thread that does nothing but produce and
    block in `poll` until an ack arrives: no linger, no thread hand-off, no event loop.

    acks=all and idempotence as in daprlite; at c=1 this is one message at a time.
    """
    from confluent_kafka import Producer

    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 0,
        }
    )
    # A new idempotent producer holds what it is given until it has a producer id (~0.5 s on a
    # busy machine): one message through first, so that the warm-up is not spent on that.
    producer.produce(topic, value=data)
    producer.flush(10)
    acked: list[tuple[float, float, Any]] = []  # (sent, acked, error), served by one poll

    def send() -> None:
        sent = time.perf_counter()

        def on_delivery(err: Any, _msg: Any) -> None:
            acked.append((sent, time.perf_counter(), err))

        producer.produce(topic, value=data, on_delivery=on_delivery)

    now = time.perf_counter()
    start, end = now + warmup, now + warmup + duration
    latencies: list[float] = []
    errors = calls = in_flight = 0
    cpu0 = time.process_time()
    for _ in range(concurrency):
        send()
        in_flight += 1
    while in_flight:
        producer.poll(1.0)
        now = time.perf_counter()
        for sent, done, err in acked:
            in_flight -= 1
            if err is not None:
                errors += 1
                if errors == 1:
                    print(f"loadgen: produce failed: {err}", file=sys.stderr)
            else:
                calls += 1
                if sent >= start:  # as in `drive`: only calls that start inside the window
                    latencies.append(done - sent)
            if now < end:
                send()
                in_flight += 1
        acked.clear()
    cpu = time.process_time() - cpu0
    producer.flush(10)
    return result(latencies, duration, errors, calls, cpu)


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    data = payload(args.size)
    if args.mode == "ceiling":
        producer = CeilingProducer(args.target, args.binding, data)
        await producer.start()
        try:
            return await drive(producer.call, args.concurrency, args.warmup, args.duration)
        finally:
            await producer.close()
    if args.mode in ("http", "app"):
        import aiohttp

        if args.mode == "http":
            url = f"http://{args.target}/v1.0/bindings/{args.binding}"
            body = b'{"operation":"create","data":' + data + b"}"
        else:
            url, body = f"http://{args.target}/{args.binding}", data
        headers = {"Content-Type": "application/json"}
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def post() -> None:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status >= 300:
                        raise RuntimeError(f"HTTP {response.status}")

            return await drive(post, args.concurrency, args.warmup, args.duration)
    import grpc
    from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc

    async with grpc.aio.insecure_channel(args.target) as channel:
        stub = dapr_pb2_grpc.DaprStub(channel)  # type: ignore[no-untyped-call]
        request = binding_pb2.InvokeBindingRequest(name=args.binding, data=data, operation="create")

        async def invoke() -> None:
            await stub.InvokeBinding(request)

        return await drive(invoke, args.concurrency, args.warmup, args.duration)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("mode", choices=("ceiling", "latency-ceiling", "http", "grpc", "app"))
    parser.add_argument("--target", required=True, help="host:port (bootstrap for ceiling)")
    parser.add_argument("--binding", required=True, help="binding name; topic; or app route")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    if args.mode == "latency-ceiling":
        data = payload(args.size)
        print(json.dumps(latency_ceiling(
            args.target, args.binding, data, args.concurrency, args.warmup, args.duration
        )))  # fmt: skip
        return
    try:
        import uvloop

        result = uvloop.run(_main(args))
    except ImportError:
        result = asyncio.run(_main(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

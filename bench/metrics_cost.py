"""The per-message cost of metrics: `python -m bench.metrics_cost`.

Output: a real sidecar's HTTP route (POST /v1.0/bindings/orders) over keep-alive to a fake
output binding. Input: a bindings.delivery.Deliverer handing events to a no-op app handler,
as a partition worker does, without Kafka. App channel: HttpAppChannel delivering to a real
aiohttp app on loopback, with and without dapr_http_client_* recording; and that recording
(HTTP, and gRPC's client + server families) timed alone, since a loopback round trip's noise
is larger than it. Metrics on and off alternate, best of rounds. The HTTP output request is
also given in CPU time of this process (client and sidecar share it): on a loaded machine that
moves far less than the wall clock does. HTTP handling alone: the API app handling pre-built
requests for the same route with no socket and the garbage collector paused while timed, the
steadiest view of what the server-side metrics add.
"""

from __future__ import annotations

import asyncio
import gc
import io
import os
import tempfile
import time
from pathlib import Path

import aiohttp
import grpc
from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request
from dapr.proto.runtime.v1 import appcallback_pb2

from daprlite.bindings.delivery import Deliverer, DeliveryPolicy
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.contracts import BindingEvent
from daprlite.model.observer import NO_OBSERVER, Observer
from daprlite.observability.app_calls import AppCallMetrics
from daprlite.observability.metrics import Metrics
from daprlite.process.printer import Printer
from daprlite.runtime.app_channel import HttpAppChannel
from daprlite.runtime.sidecar import Sidecar
from tests.runtime import fakes

REQUESTS, EVENTS, ROUNDS = 3000, 200_000, int(os.environ.get("BENCH_ROUNDS", "5"))
DELIVERIES, RECORDINGS = 3000, 200_000


async def http_round(enabled: bool, folder: Path) -> float:
    config = RunConfig(app_id="bench", components_paths=(folder,), enable_metrics=enabled)
    sidecar = Sidecar(config, registry=fakes.registry(), printer=Printer(io.StringIO()))
    await sidecar.startup()
    url = f"http://127.0.0.1:{sidecar.http_port}/v1.0/bindings/orders"
    body = b'{"data":{"orderId":1},"operation":"create"}'
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):  # warm-up
                async with session.post(url, data=body) as r:
                    await r.read()
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(REQUESTS):
                async with session.post(url, data=body) as r:
                    await r.read()
            CPU_US[enabled].append((time.process_time() - cpu) / REQUESTS * 1e6)
            return (time.perf_counter() - started) / REQUESTS * 1e6
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()


CPU_US: dict[bool, list[float]] = {True: [], False: []}  # http_round's CPU time per request


async def handling_round(enabled: bool, folder: Path) -> float:
    """The HTTP API app's handling of POST /v1.0/bindings/orders, without a socket."""
    config = RunConfig(app_id="bench", components_paths=(folder,), enable_metrics=enabled)
    sidecar = Sidecar(config, registry=fakes.registry(), printer=Printer(io.StringIO()))
    await sidecar.startup()
    assert sidecar._runner is not None
    app = sidecar._runner.app
    body = b'{"data":{"orderId":1},"operation":"create"}'
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}

    def request() -> web.Request:
        payload = streams.StreamReader(_Reading(), 2**16, loop=asyncio.get_running_loop())
        payload.feed_data(body)
        payload.feed_eof()
        return make_mocked_request(
            "POST", "/v1.0/bindings/orders", headers, app=app, payload=payload
        )

    try:
        for pending in [request() for _ in range(200)]:  # warm-up
            await app._handle(pending)
        # Built first: a mocked request costs far more to make than to handle.
        batch = [request() for _ in range(REQUESTS)]
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            for pending in batch:
                await app._handle(pending)
            return (time.perf_counter() - started) / REQUESTS * 1e6
        finally:
            gc.enable()
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()


class _Reading:
    """What a StreamReader asks of its protocol; a pre-filled body never pauses."""

    _reading_paused = False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self, resume_parser: bool = True) -> None:
        pass


async def input_round(enabled: bool) -> float:
    metrics = Metrics("bench") if enabled else None

    async def app(event: BindingEvent) -> None:
        return None

    handler = metrics.timed_handler("orders", app) if metrics else app
    observer: Observer = metrics or NO_OBSERVER
    deliverer = Deliverer("orders", handler, DeliveryPolicy(), observer)
    event = BindingEvent(b"{}", {"__timestamp": str(int(time.time() * 1000))})
    position = {"offset": 0}
    started = time.perf_counter()
    for _ in range(EVENTS):
        await deliverer.deliver(event, "m", position)
    return (time.perf_counter() - started) / EVENTS * 1e6


async def app_channel_round(enabled: bool) -> float:
    """One HTTP delivery to a real app on loopback, through the app channel."""

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.Response()

    app = web.Application()
    app.router.add_post("/orders", accept)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    calls = AppCallMetrics(Metrics("bench")) if enabled else None
    channel = HttpAppChannel(runner.addresses[0][1], calls=calls)
    component = Component("orders", "bindings.kafka", "v1", {}, Path("bench.yaml"), 1)
    deliver = channel.handler_for(component)
    event = BindingEvent(b'{"orderId":1}', {"__topic": "orders", "__partition": "0"})
    try:
        for _ in range(200):  # warm-up
            await deliver(event)
        started = time.perf_counter()
        for _ in range(DELIVERIES):
            await deliver(event)
        return (time.perf_counter() - started) / DELIVERIES * 1e6
    finally:
        await channel.close()
        await runner.cleanup()


def recording_alone() -> tuple[float, float]:
    """The work metrics add to one delivery, without the I/O: (HTTP app, gRPC app) in us."""
    calls = AppCallMetrics(Metrics("bench"))
    clock = time.perf_counter
    started = time.perf_counter()
    for _ in range(RECORDINGS):
        began = clock()
        calls.http_call("POST", "orders", 200, 13, 0, clock() - began)
    http = (time.perf_counter() - started) / RECORDINGS * 1e6
    request = appcallback_pb2.BindingEventRequest(name="orders", data=b'{"orderId":1}')
    response = appcallback_pb2.BindingEventResponse()
    ok, method = grpc.StatusCode.OK, "/dapr.proto.runtime.v1.AppCallback/OnBindingEvent"
    started = time.perf_counter()
    for _ in range(RECORDINGS):
        began = clock()
        seconds = clock() - began
        calls.grpc_call(method, ok, request.ByteSize(), response.ByteSize(), seconds)
        calls.grpc_delivery(method, ok, len(request.data), len(response.data), seconds)
    return http, (time.perf_counter() - started) / RECORDINGS * 1e6


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "fake.yaml").write_text(fakes.component_yaml())
        http: dict[bool, list[float]] = {True: [], False: []}
        inputs: dict[bool, list[float]] = {True: [], False: []}
        channel: dict[bool, list[float]] = {True: [], False: []}
        handling: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(ROUNDS):
            for enabled in (False, True):
                handling[enabled].append(await handling_round(enabled, folder))
                http[enabled].append(await http_round(enabled, folder))
                inputs[enabled].append(await input_round(enabled))
                channel[enabled].append(await app_channel_round(enabled))
    rounds = (("HTTP output request", http), ("  its CPU time", CPU_US),
              ("HTTP handling alone", handling), ("input delivery", inputs),
              ("HTTP app delivery", channel))  # fmt: skip
    for name, results in rounds:
        off, on = min(results[False]), min(results[True])
        print(f"{name:20s} off {off:8.2f} us  on {on:8.2f} us  cost {on - off:+.2f} us")
    alone = [recording_alone() for _ in range(ROUNDS)]
    print(f"{'app-call recording':20s} HTTP app {min(a[0] for a in alone):.2f} us  "
          f"gRPC app {min(a[1] for a in alone):.2f} us (per delivery, no I/O)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())

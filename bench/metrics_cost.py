"""The per-message cost of metrics: `python -m bench.metrics_cost`.

Output: a real sidecar's HTTP route (POST /v1.0/bindings/orders) over keep-alive to a fake
output binding. Input: a bindings.delivery.Deliverer handing events to a no-op app handler,
as a partition worker does, without Kafka. Metrics on and off alternate, best of rounds.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from pathlib import Path

import aiohttp

from daprlite.bindings.delivery import Deliverer, DeliveryPolicy
from daprlite.model.config import RunConfig
from daprlite.model.contracts import BindingEvent
from daprlite.model.observer import NO_OBSERVER, Observer
from daprlite.observability.metrics import Metrics
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.runtime import fakes

REQUESTS, EVENTS, ROUNDS = 3000, 200_000, 5


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
            started = time.perf_counter()
            for _ in range(REQUESTS):
                async with session.post(url, data=body) as r:
                    await r.read()
            return (time.perf_counter() - started) / REQUESTS * 1e6
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()


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


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "fake.yaml").write_text(fakes.component_yaml())
        http: dict[bool, list[float]] = {True: [], False: []}
        inputs: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(ROUNDS):
            for enabled in (False, True):
                http[enabled].append(await http_round(enabled, folder))
                inputs[enabled].append(await input_round(enabled))
    for name, results in (("HTTP output request", http), ("input delivery", inputs)):
        off, on = min(results[False]), min(results[True])
        print(f"{name:20s} off {off:8.2f} us  on {on:8.2f} us  cost {on - off:+.2f} us")


if __name__ == "__main__":
    asyncio.run(main())

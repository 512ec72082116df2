"""The per-message cost of metrics: `python -m bench.metrics_cost [--json]` (`make bench` too).

Output: a real sidecar's HTTP route (POST /v1.0/bindings/orders) over keep-alive to a fake
output binding, client in the same process. Input: a bindings.delivery.Deliverer handing events
to a no-op app handler, as a partition worker does, without Kafka. Metrics on and off
alternate, best of rounds, in CPU time (steady on a shared machine) and wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.clock import PerCall, Stopwatch, best
from daprlite.bindings.delivery import Deliverer, DeliveryPolicy
from daprlite.model.config import RunConfig
from daprlite.model.contracts import BindingEvent
from daprlite.model.observer import NO_OBSERVER, Observer
from daprlite.observability.metrics import Metrics
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.runtime import fakes

REQUESTS, EVENTS, ROUNDS = 3000, 200_000, 5


async def http_round(enabled: bool, folder: Path, requests: int = REQUESTS) -> PerCall:
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
            watch = Stopwatch()
            for _ in range(requests):
                async with session.post(url, data=body) as r:
                    await r.read()
            return watch.per_call(requests)
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()


async def input_round(enabled: bool, events: int = EVENTS) -> PerCall:
    metrics = Metrics("bench") if enabled else None

    async def app(event: BindingEvent) -> None:
        return None

    handler = metrics.timed_handler("orders", app) if metrics else app
    observer: Observer = metrics or NO_OBSERVER
    deliverer = Deliverer("orders", handler, DeliveryPolicy(), observer)
    event = BindingEvent(b"{}", {"__timestamp": str(int(time.time() * 1000))})
    position = {"offset": 0}
    watch = Stopwatch()
    for _ in range(events):
        await deliverer.deliver(event, "m", position)
    return watch.per_call(events)


async def measure(rounds: int, requests: int, events: int) -> dict[str, dict[str, float]]:
    """Per path: the best CPU and wall µs/call with metrics off and on, and the differences."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "fake.yaml").write_text(fakes.component_yaml())
        http: dict[bool, list[PerCall]] = {True: [], False: []}
        inputs: dict[bool, list[PerCall]] = {True: [], False: []}
        for _ in range(rounds):
            for enabled in (False, True):
                http[enabled].append(await http_round(enabled, folder, requests))
                inputs[enabled].append(await input_round(enabled, events))
    figures: dict[str, dict[str, float]] = {}
    for name, results in (("http_output", http), ("input_delivery", inputs)):
        off, on = best(results[False]), best(results[True])
        figures[name] = {
            "off_us": off.cpu_us, "on_us": on.cpu_us, "cost_us": on.cpu_us - off.cpu_us,
            "wall_off_us": off.wall_us, "wall_on_us": on.wall_us,
            "wall_cost_us": on.wall_us - off.wall_us,
        }  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_cost", description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="HTTP calls per round")
    parser.add_argument("--events", type=int, default=EVENTS, help="input deliveries per round")
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.rounds, args.requests, args.events))
    for name, label in (
        ("http_output", "HTTP output request"),
        ("input_delivery", "input delivery"),
    ):
        f = figures[name]
        print(f"{label:20s} CPU off {f['off_us']:8.2f} us  on {f['on_us']:8.2f} us  "
              f"cost {f['cost_us']:+.2f} us;  wall cost {f['wall_cost_us']:+.2f} us")  # fmt: skip
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()

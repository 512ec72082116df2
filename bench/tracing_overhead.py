"""Cost of tracing per output call, through the real HTTP route rules (api/http_routes) with a
fake binding: off (daprd's all-zero traceparent), on and sampled, on and not sampled; and a
bare variant that leaves the metadata alone (what daprlite did before tracing). The cases
alternate round by round and the best round counts, in CPU time (steady on a shared machine)
and wall time.

    .venv/bin/python -m bench.tracing_overhead [calls] [--rounds N] [--json]   (`make bench` too)
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Mapping
from pathlib import Path

from bench.clock import PerCall, Stopwatch, best
from daprlite.api import http_routes as routes
from daprlite.api.core import DaprAPI
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.contracts import InvokeRequest
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import NO_TRACER, OutputTrace, Tracer, TracingSpec
from daprlite.observability.tracing import OtelTracer

BODY = b'{"operation":"create","data":{"orderId":1},"metadata":{"partitionKey":"k1"}}'
HEADERS = {"host": "127.0.0.1:3500", "content-type": "application/json"}
TRACED = HEADERS | {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


class _Sink:
    async def init(self, component: Component) -> None: ...
    def operations(self) -> list[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> None:
        return None

    async def close(self) -> None: ...


class _Bare:
    """Leaves the metadata as it came: the route without any trace handling."""

    def metadata(self, metadata: Mapping[str, str]) -> Mapping[str, str]:
        return metadata

    def response_headers(self) -> tuple[tuple[str, str], ...]:
        return ()

    def end(self, status: int, error: str | None) -> None:
        pass


class BareTracer:
    _one = _Bare()

    def output(self, *_args: object, **_kw: object) -> OutputTrace:
        return self._one

    def input(self, *_args: object) -> object:
        raise NotImplementedError

    async def close(self) -> None: ...


async def per_call(tracer: Tracer, headers: Mapping[str, str], calls: int) -> PerCall:
    component = Component("orders", "bindings.kafka", "v1", {}, Path("b.yaml"), 1)
    store = CompStore(components=[component], outputs={"orders": _Sink()})  # type: ignore[dict-item]
    api = DaprAPI(RunConfig("bench"), store, Readiness(True, True), tracer=tracer)
    watch = Stopwatch()
    for _ in range(calls):
        await routes.invoke_binding(api, "/v1.0/bindings/orders", BODY, False, headers)
    return watch.per_call(calls)


async def measure(calls: int, rounds: int) -> dict[str, dict[str, float]]:
    """Per case: the best round's CPU and wall µs per call."""
    sampled = OtelTracer("bench", TracingSpec(1.0), processors=())
    unsampled = OtelTracer("bench", TracingSpec(1e-12), processors=())
    cases: list[tuple[str, Tracer, Mapping[str, str]]] = [
        ("bare (no trace handling)", BareTracer(), HEADERS),  # type: ignore[list-item]
        ("bare, caller traceparent", BareTracer(), TRACED),  # type: ignore[list-item]
        ("off, no traceparent", NO_TRACER, HEADERS),
        ("off, caller traceparent", NO_TRACER, TRACED),
        ("on, not sampled (root)", unsampled, HEADERS),
        ("on, sampled (ring only)", sampled, TRACED),
    ]
    runs: dict[str, list[PerCall]] = {name: [] for name, _, _ in cases}
    for _ in range(rounds):
        for name, tracer, headers in cases:
            runs[name].append(await per_call(tracer, headers, calls))
    fastest = {name: best(per_round) for name, per_round in runs.items()}
    return {name: {"cpu_us": f.cpu_us, "wall_us": f.wall_us} for name, f in fastest.items()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tracing_overhead", description=__doc__)
    parser.add_argument("calls", type=int, nargs="?", default=20000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.calls, args.rounds))
    for name, f in figures.items():
        print(f"{name:28} CPU {f['cpu_us']:7.2f} us/call, wall {f['wall_us']:7.2f} us/call")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()

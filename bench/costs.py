"""Per-call cost of metrics (on vs off) and of tracing (off, on unsampled, on sampled), measured
in process by bench.metrics_cost and bench.tracing_overhead, sized to fit in `make bench`."""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.env import run_module

# Smaller than the modules' own defaults (which take a minute or more here); best of rounds.
HTTP_REQUESTS, INPUT_EVENTS, TRACED_CALLS = 1500, 50_000, 5000


def run(ctx: Context) -> dict[str, Any]:
    rounds = str(max(ctx.runs, 3))
    print("  metrics cost: HTTP output route and input delivery, metrics off / on", flush=True)
    metrics = run_module(
        "bench.metrics_cost", "--rounds", rounds, "--requests", str(HTTP_REQUESTS),
        "--events", str(INPUT_EVENTS), "--json", timeout=300.0,
    )  # fmt: skip
    print("  tracing cost: output route, tracing off / on unsampled / on sampled", flush=True)
    tracing = run_module(
        "bench.tracing_overhead", str(TRACED_CALLS), "--rounds", rounds, "--json", timeout=300.0
    )
    return {"metrics": metrics, "tracing": tracing, "rounds": int(rounds)}

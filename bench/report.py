"""Turn the aggregated cases into the targets verdict and the markdown table."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bench.stats import median_of

Case = Mapping[str, Any]

# Output table rows for the ceilings: result key → label.
CEILINGS = (
    ("ceiling", "ceiling, throughput (daprlite's binding)"),
    ("latency-ceiling", "ceiling, latency (linger.ms=0, blocking poll)"),
)

# The rows of issue 14's table: label, result group, case key (after "daprlite-"/"daprd-"),
# field, digits shown, and whether higher is better.
RATIO_ROWS: tuple[tuple[str, str, str, str, int, bool], ...] = (
    ("HTTP output c=1 msgs/s", "output", "http/c1", "msgs_per_s", 0, True),
    ("HTTP output c=1 p50 ms", "output", "http/c1", "p50_ms", 2, False),
    ("HTTP output c=1 p99 ms", "output", "http/c1", "p99_ms", 2, False),
    ("gRPC output c=1 msgs/s", "output", "grpc/c1", "msgs_per_s", 0, True),
    ("gRPC output c=1 p50 ms", "output", "grpc/c1", "p50_ms", 2, False),
    ("gRPC output c=1 p99 ms", "output", "grpc/c1", "p99_ms", 2, False),
    ("HTTP output c=16 msgs/s", "output", "http/c16", "msgs_per_s", 0, True),
    ("gRPC output c=16 msgs/s", "output", "grpc/c16", "msgs_per_s", 0, True),
    ("HTTP output c=64 msgs/s", "output", "http/c64", "msgs_per_s", 0, True),
    ("gRPC output c=64 msgs/s", "output", "grpc/c64", "msgs_per_s", 0, True),
    ("gRPC output c=64 CPU µs/msg", "output", "grpc/c64", "sidecar_cpu_us", 0, False),
    ("HTTP output c=64 CPU µs/msg", "output", "http/c64", "sidecar_cpu_us", 0, False),
    ("input, 1 partition msgs/s", "input", "input/p1", "msgs_per_s", 0, True),
    ("input, 6 partitions msgs/s", "input", "input/p6", "msgs_per_s", 0, True),
    ("start-up to outbound-ready s", "startup", "startup", "outbound_ready_s", 3, False),
    ("RSS idle MB", "startup", "startup", "idle_rss_mb", 1, False),
)


def cell(case: Case | None, key: str, digits: int = 2) -> str:
    """`median [min–max]` of one field, or a dash."""
    if not case or not isinstance(case.get(key), Mapping):
        return "–"
    value = case[key]
    if math.isnan(value["median"]):
        return "–"
    fmt = f"{{:,.{digits}f}}"
    if value["min"] == value["max"]:
        return fmt.format(value["median"])
    return f"{fmt.format(value['median'])} [{fmt.format(value['min'])}–{fmt.format(value['max'])}]"


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    out, inp, start = results["output"], results["input"], results["startup"]

    def m(group: Mapping[str, Any], key: str, field: str) -> float:
        return median_of(group.get(key, {}), field)

    http64 = ratio(m(out, "daprlite-http/c64", "msgs_per_s"), m(out, "ceiling/c64", "msgs_per_s"))
    add50 = m(out, "daprlite-http/c1", "p50_ms") - m(out, "ceiling/c1", "p50_ms")
    add90 = m(out, "daprlite-http/c1", "p90_ms") - m(out, "ceiling/c1", "p90_ms")
    grpc64 = m(out, "daprlite-grpc/c64", "msgs_per_s")
    six = inp.get("daprlite-input/p6", {})
    one = inp.get("daprlite-input/p1", {})
    six_rate = median_of(six, "msgs_per_s")
    one_ratio = ratio(median_of(one, "msgs_per_s"), median_of(one, "app_bound_msgs_per_s"))
    outbound = m(start, "daprlite-startup", "outbound_ready_s")
    idle = m(start, "daprlite-startup", "idle_rss_mb")

    def row(name: str, goal: str, value: str, met: bool | None) -> dict[str, Any]:
        return {"target": name, "goal": goal, "value": value, "met": met}

    return [
        row("HTTP output c=64 vs ceiling c=64", ">= 70%", f"{http64:.0%}", http64 >= 0.70),
        row(
            "HTTP output c=1, p50 added to the throughput ceiling",
            "<= 1 ms",
            f"{add50:+.2f} ms",
            add50 <= 1.0,
        ),
        row(
            "HTTP output c=1, p90 added to the throughput ceiling",
            "<= 2 ms",
            f"{add90:+.2f} ms",
            add90 <= 2.0,
        ),
        row("gRPC output c=64", ">= 3,000 msgs/s", f"{grpc64:,.0f} msgs/s", grpc64 >= 3000),
        row(
            "input, 6 partitions, order kept",
            ">= 5,000 msgs/s",
            f"{six_rate:,.0f} msgs/s, order {'kept' if six.get('order_kept') else 'BROKEN'}",
            six_rate >= 5000 and bool(six.get("order_kept")),
        ),
        row(
            "input, 1 partition vs 1/(app RTT)",
            "report",
            f"{median_of(one, 'msgs_per_s'):,.0f} vs {median_of(one, 'app_bound_msgs_per_s'):,.0f}"
            f" msgs/s ({one_ratio:.0%})",
            None,
        ),
        row("start-up to outbound-ready", "<= 0.5 s", f"{outbound:.3f} s", outbound <= 0.5),
        row("sidecar RSS idle", "<= 80 MB", f"{idle:.1f} MB", idle <= 80),
    ]


def markdown(results: Mapping[str, Any]) -> str:
    meta = results["meta"]
    out, inp, start = results["output"], results["input"], results["startup"]
    kinds = meta["kinds"]
    daprd = f"daprd {meta['daprd_version']} beside it; " if meta.get("daprd_version") else ""
    lines = [
        f"Run {meta['date']} on {meta['machine']}; Kafka {meta['kafka']} on loopback; {daprd}"
        "metrics on for every sidecar (`--enable-metrics=true --metrics-port N`, daprd's "
        f"default made explicit); {_load(meta)}"
        f"{meta['runs']} runs per figure, shown as median [min–max]; "
        f"{meta['duration']:g} s measured after {meta['warmup']:g} s warm-up; output: 1 KB JSON "
        "`data`; input: 1 KB records (drain and steady load). "
        "CPU µs/msg: the sidecar process's CPU time per message (for the ceilings: the "
        "producer's own), which holds steady when other work shares the cores.",
        "",
        "**Output** (produce and wait for the ack; acks=all and idempotence everywhere). Two "
        "ceilings: *throughput* is daprlite's own Kafka output binding called in process (its "
        "producer settings and ack hand-off: linger.ms=1 under load, sent at once when few "
        "requests are in flight; a poll thread waking an asyncio loop) without the API; "
        "*latency* is confluent-kafka's broker round trip with the lowest-latency settings "
        "(linger.ms=0, no event loop: the delivery callback served by a blocking `poll`; at "
        'c>1 that thread keeps c messages in flight). "vs ceiling" is against the throughput '
        "ceiling.",
        "",
        "| path | conc. | msgs/s | p50 ms | p90 ms | p99 ms | vs ceiling | CPU µs/msg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in meta["concurrencies"]:
        ceiling = out.get(f"ceiling/c{c}")
        paths = [(label, out.get(f"{key}/c{c}"), "client_cpu_us") for key, label in CEILINGS]
        paths += [(f"{k} {api.upper()}", out.get(f"{k}-{api}/c{c}"), "sidecar_cpu_us")
                  for k in kinds for api in ("http", "grpc")]  # fmt: skip
        for label, case, cpu in paths:
            vs = ratio(median_of(case or {}, "msgs_per_s"), median_of(ceiling or {}, "msgs_per_s"))
            lines.append(
                f"| {label} | {c} | {cell(case, 'msgs_per_s', 0)} | {cell(case, 'p50_ms')} | "
                f"{cell(case, 'p90_ms')} | {cell(case, 'p99_ms')} | {_percent(vs)} | "
                f"{cell(case, cpu, 0)} |"
            )
    lines += [
        "",
        "**Input** (pre-loaded messages drained into a minimal aiohttp app; then "
        "1,000 msgs/s steady for end-to-end latency)",
        "",
        "| sidecar | partitions | msgs/s | order kept | e2e p50 ms | e2e p99 ms | "
        "1/(app RTT) msgs/s | first delivery s | CPU µs/msg |",
        "|---|---:|---:|:---:|---:|---:|---:|---:|---:|",
    ]
    for kind in kinds:
        for p in (1, 6):
            case = inp.get(f"{kind}-input/p{p}")
            kept = "yes" if case and case.get("order_kept") else "NO"
            lines.append(
                f"| {kind} | {p} | {cell(case, 'msgs_per_s', 0)} | {kept} | "
                f"{cell(case, 'e2e_p50_ms')} | {cell(case, 'e2e_p99_ms')} | "
                f"{cell(case, 'app_bound_msgs_per_s', 0)} | {cell(case, 'first_delivery_s')} | "
                f"{cell(case, 'sidecar_cpu_us', 0)} |"
            )
    lines += [
        "",
        "**Start-up and footprint** (broker already up; the seed's component: one Kafka binding "
        "with `topics`, `publishTopic` and `consumerGroup`, input and output, with the bench app "
        "beside the sidecar; RSS of the sidecar process alone. CLI: wall time of a fresh "
        "`daprlite --help` / `--version` / `list` process, `list` with an empty DAPRLITE_HOME; "
        "daprd has no such commands)",
        "",
        "| sidecar | to outbound-ready s | to healthz-ready s | RSS idle MB | "
        "RSS peak, HTTP c=64 MB | RSS peak, input 6p MB | `--help` s | `--version` s | `list` s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in kinds:
        case = start.get(f"{kind}-startup")
        lines.append(
            f"| {kind} | {cell(case, 'outbound_ready_s', 3)} | {cell(case, 'healthz_ready_s', 3)}"
            f" | {cell(case, 'idle_rss_mb', 1)} | {cell(out.get(f'{kind}-http/c64'), 'rss_mb', 1)}"
            f" | {cell(inp.get(f'{kind}-input/p6'), 'rss_mb', 1)} | {cell(case, 'cli_help_s', 3)}"
            f" | {cell(case, 'cli_version_s', 3)} | {cell(case, 'cli_list_s', 3)} |"
        )
    if results.get("costs"):
        lines += ["", *_costs(results["costs"])]
    if "daprd" in kinds:
        lines += ["", *_daprd_table(versus_daprd(results))]
    else:
        lines += [
            "",
            "daprd rows skipped: no `DAPRD=/path/to/daprd` was given "
            "(with it, the same cases run against daprd and daprlite/daprd ratios appear here).",
        ]
    lines += ["", "**Targets**", "", "| target | goal | measured | met |", "|---|---|---|:---:|"]
    for t in results["targets"]:
        met = {True: "✅", False: "❌", None: "(report)"}[t["met"]]
        lines.append(f"| {t['target']} | {t['goal']} | {t['value']} | {met} |")
    return "\n".join(lines) + "\n"


def versus_daprd(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every figure of issue 14's table as daprlite / daprd, with the direction that is better
    and whether the issue's done-means holds: a ratio >= 1 where higher is better, <= 1 where
    lower is."""
    groups = {"output": results["output"], "input": results["input"], "startup": results["startup"]}
    out = []
    for label, group, key, field, digits, higher in RATIO_ROWS:
        a = median_of(groups[group].get(f"daprlite-{key}", {}), field)
        b = median_of(groups[group].get(f"daprd-{key}", {}), field)
        r = ratio(a, b)
        met = None if math.isnan(r) else (r >= 1.0 if higher else r <= 1.0)
        better = "higher" if higher else "lower"
        out.append(
            {"figure": label, "better": better, "daprlite": a, "daprd": b, "digits": digits,
             "ratio": r, "met": met}
        )  # fmt: skip
    return out


def _daprd_table(rows: list[dict[str, Any]]) -> list[str]:
    def num(value: float, digits: int) -> str:
        return "–" if math.isnan(value) else f"{value:,.{digits}f}"

    lines = [
        "**daprlite / daprd** (same component files, broker, load generator and app; medians; "
        "done means: every ratio ≥ 1.00 where higher is better, ≤ 1.00 where lower is)",
        "",
        "| figure | better | daprlite | daprd | daprlite / daprd | done means | met |",
        "|---|:---:|---:|---:|---:|:---:|:---:|",
    ]
    for row in rows:
        goal = "≥ 1.00" if row["better"] == "higher" else "≤ 1.00"
        met = {True: "✓", False: "✗", None: "–"}[row["met"]]
        lines.append(
            f"| {row['figure']} | {row['better']} | {num(row['daprlite'], row['digits'])} | "
            f"{num(row['daprd'], row['digits'])} | {num(row['ratio'], 2)} | {goal} | {met} |"
        )
    return lines


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0%}"


def _load(meta: Mapping[str, Any]) -> str:
    load = meta.get("load_avg")
    if not load:
        return ""
    cores = float(meta["machine"].split()[0])  # "2 cores, ..."
    # The bench itself keeps about a load of 2-3 (broker, sidecar, load generator, app).
    busy = load["median"] > cores + 2
    return (f"1-min load average median {load['median']:.1f}, max {load['max']:.1f}"
            f"{' (others were busy on the same cores: figures are noisier)' if busy else ''}; "
            f"{meta.get('total_seconds', 0):.0f} s in all. ")  # fmt: skip


def _costs(costs: Mapping[str, Any]) -> list[str]:
    """Metrics and tracing per call, from the in-process micro-benchmarks of the same run."""
    m, t = costs["metrics"], costs["tracing"]
    http, delivery = m["http_output"], m["input_delivery"]

    def row(label: str, off: Mapping[str, float], on: Mapping[str, float]) -> str:
        cpu, wall = on["cpu_us"] - off["cpu_us"], on["wall_us"] - off["wall_us"]
        return f"| {label} | {off['cpu_us']:.1f} | {on['cpu_us']:.1f} | {cpu:+.1f} | {wall:+.1f} |"

    def split(f: Mapping[str, float], side: str) -> dict[str, float]:
        return {"cpu_us": f[f"{side}_us"], "wall_us": f[f"wall_{side}_us"]}

    return [
        f"**Cost of metrics and tracing per call** (in process, fake binding, no Kafka; best of "
        f"{costs['rounds']} alternating rounds; CPU: the process's CPU time per call, which "
        "others' work moves little; `python -m bench.metrics_cost`, "
        "`python -m bench.tracing_overhead`)",
        "",
        "| path | off CPU µs | on CPU µs | cost CPU µs/call | cost wall µs/call |",
        "|---|---:|---:|---:|---:|",
        row("metrics: `POST /v1.0/bindings/<name>`, keep-alive, sidecar and client",
            split(http, "off"), split(http, "on")),
        row("metrics: one input delivery (`Deliverer`, no-op app)",
            split(delivery, "off"), split(delivery, "on")),
        row("tracing on, not sampled (root span decision): output route",
            t["off, no traceparent"], t["on, not sampled (root)"]),
        row("tracing on, sampled, caller's traceparent: output route",
            t["off, caller traceparent"], t["on, sampled (ring only)"]),
        "",
        "The output route without trace handling (bare) and with tracing off, CPU µs/call: "
        + "; ".join(
            f"{name} {f['cpu_us']:.1f}" for name, f in t.items() if not name.startswith("on")
        ),
    ]  # fmt: skip

"""daprd's and daprlite's metrics side by side, for the same traffic (never in CI or `make test`):

    DAPRD=/path/to/daprd .venv/bin/python -m bench.compare_metrics [--out FILE]

One throw-away broker (bench.env); per app protocol (HTTP, gRPC) and per sidecar, a fresh topic
behind the same bidirectional `bindings.kafka` component (the seed's shape, with
consumeRetryEnabled and a short back-off so that retries are part of the traffic) and the same
app (bench.compare_app). The same requests go to each: HTTP and gRPC output calls that succeed,
that Kafka refuses (a record over 1 MB), with an operation Kafka has not, to a binding that does
not exist, and one malformed HTTP body; what the output calls produced comes back as input
deliveries, one refused once and one refused every time. Once the app has seen every attempt
and the sidecar's input count has caught up, each sidecar's endpoint is scraped and parsed with
prometheus_client's text parser.

Compared, for every `dapr_*` family: the type, the help text, the sample names as written (the
parser would hide a `_total` suffix), the label names, each label's set of values (the app id made
`<app-id>`), the histogram bounds, which series exist, and each series' count (a counter's
value, a histogram's `_count`), since the traffic fixes those. Not compared: latency and size
values and sums (timing and encoding), the counts of the health-check series and of the HTTP
size histograms (the bench polls the health check every 2 ms until ready, so they count
start-up time), `go_*`/`process_*`/`python_*`, and `daprlite_*` (daprlite's own).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc

from bench.env import ROOT, create_topic, start_broker
from bench.metrics_diff import Rules, compare, parse
from bench.sidecar import Sidecar, launch
from tests.support.components import write_component
from tests.support.ports import free_port

BINDING = "sample-topic"  # the seed's component name, which is also the app's route
KINDS = ("daprd", "daprlite")
RULES = Rules(
    # Someone is building these now; the comparison marks them rather than counting them.
    known_gaps=("dapr_http_client_", "dapr_grpc_io_client_", "dapr_error_code_total",
                "dapr_resiliency_"),
    # launch().wait_ready polls the health check every 2 ms, as often as start-up takes.
    polled=frozenset({"/v1.0/healthz", "/v1.0/healthz/outbound"}),
    polled_families=frozenset({"dapr_http_server_request_bytes",
                               "dapr_http_server_response_bytes"}),
    explained={
        "dapr_component_input_binding_latencies": "daprd records a component latency only when "
        "it is at least 1 ms (whole milliseconds, `elapsed > 0`); daprlite records every call "
        "with fractions, so its `_count` equals the counter's",
        "dapr_component_output_binding_latencies": "daprd records a component latency only "
        "when it is at least 1 ms: a refusal that took less is counted but has no latency "
        "sample in daprd",
        "dapr_component_output_binding_count": "daprd counts every call past the JSON decoding, "
        "also an unknown binding (labelled with the name asked for) and an unsupported "
        "operation; daprlite's api/core.py counts only calls that reach a binding's invoke",
        "dapr_runtime_component_init": "daprd counts one init per direction (a bidirectional "
        "binding counts 2); daprlite's runtime/processor.py counts one per component",
        **dict.fromkeys(
            (f"dapr_grpc_io_server_{name}" for name in ("completed_rpcs", "server_latency",
                                                        "received_bytes_per_rpc",
                                                        "sent_bytes_per_rpc")),
            "daprd records each delivery to a gRPC app (AppCallback/OnBindingEvent) in the "
            "server family; daprlite's gRPC app channel tells the metrics nothing of it",
        ),
    },
)  # fmt: skip
RETRY = {"consumeRetryEnabled": "true", "backOffDuration": "100ms", "backOffMaxRetries": "2"}
TOO_LARGE = "x" * 1_100_000  # over the producers' 1,000,000-byte message limit


@dataclass(frozen=True, slots=True)
class Call:
    """One request of the traffic, the same for every sidecar."""

    label: str
    api: str  # "http" | "grpc"
    data: object = None
    operation: str = "create"
    binding: str = BINDING
    raw: bytes | None = None  # an HTTP body sent as it is (malformed on purpose)


def traffic() -> list[Call]:
    def each_api(api: str, tag: str) -> list[Call]:
        name = "HTTP" if api == "http" else "gRPC"
        return [
            *(Call(f"{name} create #{i}", api, {"id": f"{tag}{i}"}) for i in (1, 2)),
            Call(f"{name} create, over 1 MB", api, {"id": f"{tag}big", "pad": TOO_LARGE}),
            Call(f"{name} delete (not a Kafka operation)", api, {"id": f"{tag}d"}, "delete"),
            Call(f"{name} create, unknown binding", api, {"id": f"{tag}n"}, binding="no-such"),
        ]

    refused = [
        Call("HTTP create, app refuses once", "http", {"id": "o", "fail": "once"}),
        Call("HTTP create, app always refuses", "http", {"id": "a", "fail": "always"}),
        Call("HTTP malformed JSON body", "http", raw=b'{"data": '),
    ]
    return [*each_api("http", "h"), *refused, *each_api("grpc", "g")]


# Deliveries the traffic leads to: h1, h2, g1, g2 once each, "o" twice, "a" 1 + 2 retries.
EXPECTED_ATTEMPTS = 4 + 2 + 3


@dataclass
class Side:
    kind: str
    protocol: str
    app_id: str
    answers: dict[str, str]
    attempts: int
    input_count: float
    scrape: str


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare_metrics", description=__doc__)
    out = ROOT / "bench" / "results" / "metrics-compare.md"
    parser.add_argument("--out", type=Path, default=out, help=f"default {out.relative_to(ROOT)}")
    parser.add_argument("--scrapes", type=Path, help="also keep each raw scrape in this folder")
    args = parser.parse_args()
    daprd = os.environ.get("DAPRD") or ""
    if not os.access(daprd, os.X_OK):
        parser.error("set DAPRD=/path/to/daprd (an executable daprd binary)")
    with tempfile.TemporaryDirectory(prefix="daprlite-compare-") as scratch:
        work = Path(scratch)
        print("starting the local Kafka broker", flush=True)
        broker = start_broker(work / "home")
        try:
            sides = [
                one_side(kind, protocol, broker.bootstrap, work, daprd)
                for protocol in ("http", "grpc")
                for kind in KINDS
            ]
        finally:
            broker.stop()
    if args.scrapes:
        args.scrapes.mkdir(parents=True, exist_ok=True)
        for side in sides:
            (args.scrapes / f"{side.kind}-{side.protocol}-app.prom").write_text(side.scrape)
    report = render(sides, daprd)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(report)
    print(f"wrote {args.out}")


def one_side(kind: str, protocol: str, bootstrap: str, work: Path, daprd: str) -> Side:
    print(f"  {kind}, {protocol} app", flush=True)
    topic = create_topic(bootstrap, 1, f"cmp-{kind}-{protocol}")
    components = write_component(work / f"components-{kind}-{protocol}", BINDING, bootstrap,
                                 topic=topic, **RETRY)  # fmt: skip
    record = work / f"attempts-{kind}-{protocol}.jsonl"
    record.touch()
    app = (sys.executable, "-m", "bench.compare_app", "--protocol", protocol)
    app += ("--route", BINDING, "--record", str(record))
    app_id = f"cmp-{kind}-{protocol}"
    sidecar = launch(kind, components, work / "logs", app_id=app_id, app_port=free_port(),
                     daprd=daprd, app_command=app, app_protocol=protocol)  # fmt: skip
    try:
        sidecar.wait_ready("/v1.0/healthz")
        answers = {call.label: send(sidecar, call) for call in traffic()}
        attempts = _settled(lambda: _lines(record), EXPECTED_ATTEMPTS, 30.0)
        # The app counts an attempt before it answers; the sidecar records after the answer.
        count = _settled(lambda: _input_count(sidecar), attempts, 10.0, quiet=0.2)
        return Side(kind, protocol, app_id, answers, attempts, count, scrape(sidecar))
    except Exception:
        print(sidecar.tail(), file=sys.stderr)
        raise
    finally:
        sidecar.stop()


def send(sidecar: Sidecar, call: Call) -> str:
    """The answer's status: an HTTP status number or a gRPC code name."""
    if call.api == "http":
        body = call.raw or json.dumps({"data": call.data, "operation": call.operation}).encode()
        connection = http.client.HTTPConnection("127.0.0.1", sidecar.http_port, timeout=30)
        try:
            connection.request("POST", f"/v1.0/bindings/{call.binding}", body,
                               {"Content-Type": "application/json"})  # fmt: skip
            response = connection.getresponse()
            response.read()
            return str(response.status)
        finally:
            connection.close()
    with grpc.insecure_channel(f"127.0.0.1:{sidecar.grpc_port}") as channel:
        stub = dapr_pb2_grpc.DaprStub(channel)  # type: ignore[no-untyped-call]
        request = binding_pb2.InvokeBindingRequest(
            name=call.binding, operation=call.operation, data=json.dumps(call.data).encode()
        )
        try:
            stub.InvokeBinding(request, timeout=30)
        except grpc.RpcError as exc:
            return str(exc.code().name)
        return "OK"


def scrape(sidecar: Sidecar) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", sidecar.metrics_port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def _input_count(sidecar: Sidecar) -> float:
    families = parse(scrape(sidecar), "")
    family = families.get("dapr_component_input_binding_count")
    return sum(family.counts.values()) if family else 0.0


def _settled(read: Callable[[], float], wanted: float, timeout: float, quiet: float = 1.0) -> int:
    """What `read` says once it has reached `wanted` and stayed put for `quiet` seconds (so that
    a sidecar delivering more than expected shows it), or at `timeout`. A shortfall is a
    finding for the report, not a reason to stop."""
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
        elif value >= wanted and time.monotonic() - since >= quiet:
            break
    return int(value)


def render(sides: list[Side], daprd: str) -> str:
    version = subprocess.run([daprd, "--version"], capture_output=True, text=True, check=False)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False)  # fmt: skip
    lines = [
        "# daprd vs daprlite: metrics for the same traffic",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}: daprd {version.stdout.strip() or '?'}, "
        f"daprlite {commit.stdout.strip()}; `python -m bench.compare_metrics` "
        "(its docstring says what is compared and why).",
        "",
        "## Answers",
        "",
        "| request | " + " | ".join(f"{s.kind} ({s.protocol} app)" for s in sides) + " |",
        "|---|" + "---|" * len(sides),
    ]
    for call in traffic():
        lines.append(f"| {call.label} | " + " | ".join(s.answers[call.label] for s in sides) + " |")
    lines.append(
        f"| app saw delivery attempts (expected {EXPECTED_ATTEMPTS}) | "
        + " | ".join(str(s.attempts) for s in sides) + " |"
    )  # fmt: skip
    lines.append(
        "| sidecar's `dapr_component_input_binding_count`, summed | "
        + " | ".join(f"{s.input_count:g}" for s in sides) + " |"
    )  # fmt: skip
    for protocol in ("http", "grpc"):
        left, right = (next(s for s in sides if s.kind == k and s.protocol == protocol)
                       for k in KINDS)  # fmt: skip
        lines += ["", f"## {protocol.upper()} app", ""]
        lines += compare(
            parse(left.scrape, left.app_id), parse(right.scrape, right.app_id), KINDS, RULES
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""Trace context rules (parse, format, what goes into binding metadata) and daprd's spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.api import http_routes as routes
from daprlite.api.core import DaprAPI
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import (
    NO_TRACER,
    ZERO_TRACEPARENT,
    TraceParent,
    TracingSpec,
    event_context,
    format_traceparent,
    is_valid_traceparent,
    parse_traceparent,
)
from daprlite.observability.tracing import OtelTracer
from tests.api.fakes import FakeOutput

TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE}-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (PARENT, TraceParent(int(TRACE, 16), 0xB7AD6B7169203331, 1)),
        (f"00-{TRACE}-b7ad6b7169203331-00", TraceParent(int(TRACE, 16), 0xB7AD6B7169203331, 0)),
        # A later version may add fields; version 00 may not.
        (
            f"01-{TRACE}-b7ad6b7169203331-01-extra",
            TraceParent(int(TRACE, 16), 0xB7AD6B7169203331, 1),
        ),
        (f"00-{TRACE}-b7ad6b7169203331-01-extra", None),
        (f"ff-{TRACE}-b7ad6b7169203331-01", None),
        (ZERO_TRACEPARENT, None),  # all-zero ids are invalid: no parent
        (f"00-{TRACE}-0000000000000000-01", None),
        (f"00-{TRACE.upper()}-b7ad6b7169203331-01", None),  # lower-case hex only
        ("00-a", None),
        ("", None),
    ],
)
def test_parse_traceparent(value: str, parsed: TraceParent | None) -> None:
    assert parse_traceparent(value) == parsed
    assert is_valid_traceparent(value) == (parsed is not None)


def test_format_traceparent_round_trips() -> None:
    parsed = parse_traceparent(PARENT)
    assert parsed is not None and parsed.sampled
    assert format_traceparent(*parsed) == PARENT
    assert format_traceparent(0, 0, 0) == ZERO_TRACEPARENT


def test_event_context_keeps_a_valid_parent_and_a_short_tracestate() -> None:
    assert event_context({"traceparent": PARENT, "tracestate": "a=1"}) == {
        "traceparent": PARENT,
        "tracestate": "a=1",
    }
    assert event_context({"traceparent": PARENT, "tracestate": "a=" + "x" * 600}) == {
        "traceparent": PARENT
    }
    assert event_context({"traceparent": "garbage"}) == {}
    assert event_context({}) == {}


@pytest.mark.parametrize(
    ("metadata", "context", "expected"),
    [
        ({"k": "v"}, {}, {"k": "v", "traceparent": ZERO_TRACEPARENT}),
        # The caller's own metadata traceparent stays when the request carries no trace.
        ({"traceparent": "mine"}, {}, {"traceparent": "mine"}),
        ({"traceparent": "mine"}, {"traceparent": PARENT}, {"traceparent": PARENT}),
        (
            {},
            {"traceparent": PARENT, "tracestate": "a=1"},
            {"traceparent": PARENT, "tracestate": "a=1"},
        ),
        # HTTP: a bad traceparent header is no context at all.
        ({}, {"traceparent": "00-a"}, {"traceparent": ZERO_TRACEPARENT}),
    ],
)
def test_tracing_off_passes_the_context_on(
    metadata: dict[str, str], context: dict[str, str], expected: dict[str, str]
) -> None:
    assert dict(NO_TRACER.output("b", "http", context).metadata(metadata)) == expected


def test_tracing_off_grpc_copies_the_call_context_verbatim() -> None:
    trace = NO_TRACER.output("b", "grpc", {"traceparent": "00-a"})
    assert dict(trace.metadata({})) == {"traceparent": "00-a"}


def test_tracing_off_input_forwards_the_records_context() -> None:
    assert NO_TRACER.input("b", "grpc", {"traceparent": PARENT}).context() == {
        "traceparent": PARENT
    }
    assert NO_TRACER.input("b", "http", {"x": "1"}).context() == {}


def tracer(rate: float = 1.0, ring: int = 16) -> OtelTracer:
    return OtelTracer("app", TracingSpec(sampling_rate=rate), ring_size=ring, processors=())


def test_an_output_span_is_a_child_of_the_callers_and_replaces_it_in_metadata() -> None:
    otel = tracer()
    trace = otel.output("orders", "http", {"traceparent": PARENT, "tracestate": "a=1"})
    metadata = dict(trace.metadata({"k": "v"}))
    child = parse_traceparent(metadata["traceparent"])
    assert child is not None and f"{child.trace_id:032x}" == TRACE and child.sampled
    assert child.span_id != 0xB7AD6B7169203331
    assert metadata["tracestate"] == "a=1" and metadata["k"] == "v"
    assert trace.response_headers() == (("Traceparent", metadata["traceparent"]),)
    trace.end(204, None)
    [span] = otel.recent_spans()
    assert span["name"] == "/v1.0/bindings/orders" and span["kind"] == "CLIENT"
    assert span["parentSpanId"] == "b7ad6b7169203331" and span["traceId"] == TRACE
    assert span["attributes"]["db.system"] == "bindings"
    assert span["attributes"]["db.statement"] == "POST /v1.0/bindings/orders"
    assert span["attributes"]["dapr.status_code"] == 204


@pytest.mark.parametrize(
    ("incoming", "flags"),
    [
        (None, "01"),  # a new root: daprd (Go SDK) writes sampled only; Python's SDK adds 02
        ("01", "01"),
        ("03", "03"),  # the caller's other flags pass on to the child, as in daprd
    ],
)
def test_trace_flags_as_daprd_writes_them(incoming: str | None, flags: str) -> None:
    context = {} if incoming is None else {"traceparent": f"00-{TRACE}-b7ad6b7169203331-{incoming}"}
    otel = tracer()
    output = otel.output("orders", "http", context).metadata({})["traceparent"]
    delivery = otel.input("orders", "http", context).context()["traceparent"]
    assert output.endswith(f"-{flags}") and delivery.endswith(f"-{flags}")


def test_grpc_output_span_name_and_a_callers_traceparent_wins_in_metadata() -> None:
    otel = tracer()
    trace = otel.output("orders", "grpc", {"traceparent": PARENT})
    assert dict(trace.metadata({}))["traceparent"] == PARENT  # daprd copies call metadata last
    trace.end(0, None)
    [span] = otel.recent_spans()
    assert span["name"] == "/dapr.proto.runtime.v1.Dapr/InvokeBinding"
    assert span["attributes"]["rpc.service"] == "Dapr"


def test_an_input_span_continues_the_records_trace() -> None:
    otel = tracer()
    trace = otel.input("orders", "http", {"traceparent": PARENT, "__topic": "t"})
    sent = parse_traceparent(trace.context()["traceparent"])
    assert sent is not None and f"{sent.trace_id:032x}" == TRACE
    trace.end(500, "boom")
    [span] = otel.recent_spans()
    assert span["name"] == "bindings/orders" and span["parentSpanId"] == "b7ad6b7169203331"
    assert span["attributes"]["db.connection_string"] == "POST /orders"
    assert span["status"] == "ERROR" and span["statusMessage"] == "Code(500): boom"


def test_sampling_rate_zero_point_is_off_and_unsampled_roots_still_get_ids() -> None:
    assert not TracingSpec(sampling_rate=0).enabled
    otel = tracer(rate=1e-12)
    trace = otel.output("orders", "http", {})
    parsed = parse_traceparent(dict(trace.metadata({}))["traceparent"])
    # Not sampled (flags 00), but a real context, as daprd's SDK gives it.
    assert parsed is not None and not parsed.sampled
    trace.end(204, None)
    assert otel.recent_spans() == []  # unsampled spans are not recorded


def test_a_sampled_parent_is_followed_whatever_the_ratio() -> None:
    otel = tracer(rate=1e-12)
    otel.output("orders", "http", {"traceparent": PARENT}).end(204, None)
    assert len(otel.recent_spans()) == 1  # ParentBased: the caller's decision wins


def test_the_ring_keeps_the_most_recent_spans() -> None:
    otel = tracer(ring=3)
    for name in "abcde":
        otel.output(name, "http", {}).end(204, None)
    assert [s["name"] for s in otel.recent_spans()] == [f"/v1.0/bindings/{n}" for n in "cde"]
    assert NO_TRACER.recent_spans() == []


async def test_the_http_route_answers_with_the_spans_traceparent_and_no_token_in_attributes() -> (
    None
):
    otel = tracer()
    binding = FakeOutput()
    component = Component("orders", "bindings.kafka", "v1", {}, Path("c.yaml"), 1)
    store = CompStore(components=[component], outputs={"orders": binding})
    api = DaprAPI(RunConfig("t"), store, Readiness(True, True), tracer=otel)
    headers = {"traceparent": PARENT, "host": "127.0.0.1:3500", "dapr-api-token": "s3cret",
               "dapr-app-id": "x"}  # fmt: skip
    body = b'{"operation":"create","data":1}'
    reply = await routes.invoke_binding(api, "/v1.0/bindings/orders", body, False, headers)
    assert reply.status == 204
    [request] = binding.requests
    assert dict(reply.headers)["Traceparent"] == request.metadata["traceparent"]
    [span] = otel.recent_spans()
    assert span["attributes"]["url.full"] == "http://127.0.0.1:3500/v1.0/bindings/orders"
    assert span["attributes"]["server.port"] == "3500"
    assert span["attributes"]["dapr-app-id"] == "x"
    assert "s3cret" not in repr(span)

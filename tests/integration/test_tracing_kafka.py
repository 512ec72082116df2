"""Trace context through the real broker, as daprd carries it: the API's request → the Kafka
record's `traceparent` header → the delivery to the app; and the spans exported over OTLP/HTTP
to a receiver started here."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from confluent_kafka import Producer

from daprlite.api.core import DaprAPI
from daprlite.bindings.kafka.consumer import KafkaInput
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import (
    NO_TRACER,
    ZERO_TRACEPARENT,
    Tracer,
    TracingSpec,
    parse_traceparent,
)
from daprlite.observability.tracing import OtelTracer
from daprlite.runtime.app_channel import HttpAppChannel
from tests.e2e.kafka_io import read_records
from tests.integration.recording_app import RecordingApp
from tests.support.http_api import APIClient
from tests.support.otlp import OtlpReceiver
from tests.support.wait import eventually

pytestmark = pytest.mark.kafka

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER = f"00-{TRACE}-{CALLER_SPAN}-01"


def component(bootstrap: str, topic: str) -> Component:
    metadata = {
        "brokers": bootstrap,
        "topics": topic,
        "publishTopic": topic,
        "consumerGroup": f"group-{topic}",
        "authType": "none",
    }
    return Component("orders", "bindings.kafka", "v1", metadata, Path("test.yaml"), 1)


async def post_create(
    bootstrap: str, topic: str, tracer: Tracer, headers: dict[str, str]
) -> web.StreamResponse:
    """One `POST /v1.0/bindings/orders` through the real aiohttp route into the real producer."""
    output = KafkaOutput()
    comp = component(bootstrap, topic)
    await output.init(comp)
    store = CompStore(components=[comp], outputs={"orders": output})
    api = DaprAPI(RunConfig("producer"), store, Readiness(True, True), tracer=tracer)
    client = APIClient(api)
    await client.start_server()
    try:
        body = '{"operation":"create","data":{"n":1}}'
        response = await client.post("/v1.0/bindings/orders", data=body, headers=headers)
        assert response.status == 204, await response.text()
        return response
    finally:
        await client.close()
        await output.close()


def record_traceparent(bootstrap: str, topic: str) -> str:
    [record] = read_records(bootstrap, topic, 1)
    return dict(record.headers())["traceparent"].decode()


async def test_a_callers_traceparent_reaches_kafka_as_a_child_span(
    kafka_broker, kafka_topic
) -> None:
    topic = kafka_topic()
    tracer = OtelTracer("producer", TracingSpec(sampling_rate=1.0), processors=())
    response = await post_create(kafka_broker.bootstrap, topic, tracer, {"traceparent": CALLER})
    written = parse_traceparent(record_traceparent(kafka_broker.bootstrap, topic))
    assert written is not None
    assert f"{written.trace_id:032x}" == TRACE  # the same trace
    assert f"{written.span_id:016x}" != CALLER_SPAN  # daprd's span, a child of the caller's
    assert response.headers["traceparent"] == record_traceparent(kafka_broker.bootstrap, topic)
    [span] = tracer.recent_spans()
    assert span["parentSpanId"] == CALLER_SPAN and span["spanId"] == f"{written.span_id:016x}"


async def test_tracing_off_forwards_the_callers_traceparent_verbatim(
    kafka_broker, kafka_topic
) -> None:
    topic = kafka_topic()
    await post_create(kafka_broker.bootstrap, topic, NO_TRACER, {"traceparent": CALLER})
    assert record_traceparent(kafka_broker.bootstrap, topic) == CALLER


async def test_no_trace_writes_the_all_zero_traceparent(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    await post_create(kafka_broker.bootstrap, topic, NO_TRACER, {})
    assert record_traceparent(kafka_broker.bootstrap, topic) == ZERO_TRACEPARENT


def produce_with(bootstrap: str, topic: str, headers: list[tuple[str, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, value=b'{"n":1}', headers=headers)
    assert producer.flush(30.0) == 0


async def deliver_one(bootstrap: str, topic: str, tracer: Tracer) -> dict[str, str]:
    """Start reading `topic`, and return the headers of the first delivery the app accepts."""
    app = RecordingApp(route="orders")
    await app.start()
    channel = HttpAppChannel(app.port, tracer=tracer)
    reader = KafkaInput()
    comp = component(bootstrap, topic)
    try:
        await reader.init(comp)
        await reader.start(channel.handler_for(comp))
        produce_with(bootstrap, topic, [("traceparent", CALLER.encode())])
        await app.wait_for(1)
        # Exactly one of each trace header, whatever its spelling.
        names = [name.lower() for name in app.accepted[0].headers]
        assert names.count("traceparent") == 1, app.accepted[0].headers
        return {name.lower(): value for name, value in app.accepted[0].headers.items()}
    finally:
        await reader.close()
        await channel.close()
        await app.stop()


async def test_an_input_record_continues_its_trace_to_the_app(kafka_broker, kafka_topic) -> None:
    tracer = OtelTracer("consumer", TracingSpec(sampling_rate=1.0), processors=())
    headers = await deliver_one(kafka_broker.bootstrap, kafka_topic(), tracer)
    sent = parse_traceparent(headers["traceparent"])
    assert sent is not None and f"{sent.trace_id:032x}" == TRACE
    [span] = tracer.recent_spans()
    assert span["name"] == "bindings/orders" and span["parentSpanId"] == CALLER_SPAN
    assert span["spanId"] == f"{sent.span_id:016x}"  # the app's parent is daprd's span


async def test_tracing_off_the_app_gets_the_records_traceparent(kafka_broker, kafka_topic) -> None:
    headers = await deliver_one(kafka_broker.bootstrap, kafka_topic(), NO_TRACER)
    assert headers["traceparent"] == CALLER


async def test_spans_are_exported_over_otlp_http_as_one_trace(kafka_broker, kafka_topic) -> None:
    receiver = OtlpReceiver()
    await receiver.start()
    try:
        spec = TracingSpec(1.0, otel_endpoint=f"127.0.0.1:{receiver.port}", otel_protocol="http",
                           otel_is_secure=False)  # fmt: skip
        topic = kafka_topic()
        producer_side, consumer_side = OtelTracer("producer", spec), OtelTracer("consumer", spec)
        await post_create(kafka_broker.bootstrap, topic, producer_side, {"traceparent": CALLER})
        app = RecordingApp(route="orders")
        await app.start()
        channel = HttpAppChannel(app.port, tracer=consumer_side)
        reader = KafkaInput()
        comp = component(kafka_broker.bootstrap, topic)
        comp = Component(comp.name, comp.type, comp.version,
                         {**comp.metadata, "initialOffset": "oldest"}, comp.file, 1)  # fmt: skip
        try:
            await reader.init(comp)
            await reader.start(channel.handler_for(comp))
            await app.wait_for(1)
        finally:
            await reader.close()
            await channel.close()
            await app.stop()
        # close() flushes the batch processors: the export happens now, not after 5 s.
        await producer_side.close()
        await consumer_side.close()
        await eventually(lambda: len(receiver.spans) >= 2, lambda: f"2 spans; got {receiver.spans}")
    finally:
        await receiver.stop()
    by_name = {span.name: (service, span) for service, span in receiver.spans}  # type: ignore[attr-defined]
    out_service, out_span = by_name["/v1.0/bindings/orders"]
    in_service, in_span = by_name["bindings/orders"]
    assert (out_service, in_service) == ("producer", "consumer")
    assert out_span.trace_id.hex() == in_span.trace_id.hex() == TRACE
    assert out_span.parent_span_id.hex() == CALLER_SPAN
    assert in_span.parent_span_id == out_span.span_id  # the chain crosses Kafka
    assert out_span.kind == in_span.kind == 3  # SPAN_KIND_CLIENT, as daprd's

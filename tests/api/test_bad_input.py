"""Bad input never hurts (issue 4 item 7): hostile requests to the HTTP and gRPC APIs, in process,
against the real Kafka output binding; the sidecar keeps serving and every acknowledged
message is in Kafka."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from aiohttp import ClientTimeout, TCPConnector
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc

from daprlite.api.core import DaprAPI
from daprlite.api.grpc import start_grpc_server
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from tests.e2e.kafka_io import read_records
from tests.support.http_api import APIClient

BINDING = "orders"
PATH = f"/v1.0/bindings/{BINDING}"
MAX_BODY = 64 * 1024
MAX_MESSAGE = 4096


@dataclass
class Live:
    client: APIClient
    grpc: dapr_pb2_grpc.DaprStub
    channel: grpc.aio.Channel
    bootstrap: str
    topic: str


@pytest.fixture
async def live(kafka_broker, kafka_topic) -> AsyncIterator[Live]:
    """Both APIs over one real Kafka output binding with a small maxMessageBytes."""
    topic = kafka_topic()
    metadata = {
        "brokers": kafka_broker.bootstrap,
        "publishTopic": topic,
        "authType": "none",
        "maxMessageBytes": str(MAX_MESSAGE),
    }
    component = Component(BINDING, "bindings.kafka", "v1", metadata, Path("c.yaml"), 1)
    output = KafkaOutput()
    await output.init(component)
    store = CompStore(components=[component], outputs={BINDING: output})
    api = DaprAPI(RunConfig("bad-input"), store, Readiness(outbound_ready=True, app_ready=True))
    server, port = await start_grpc_server(api, 0)
    # The default pool (100 connections) would queue most of the 1,000 concurrent requests.
    connector = TCPConnector(limit=0)
    client = APIClient(
        api,
        max_body_bytes=MAX_BODY,
        connector=connector,
        timeout=ClientTimeout(total=60),
    )
    await client.start_server()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Live(
                client, dapr_pb2_grpc.DaprStub(channel), channel, kafka_broker.bootstrap, topic
            )
    finally:
        await client.close()
        await server.stop(None)
        await output.close()


def good(order: str) -> bytes:
    return json.dumps({"operation": "create", "data": {"order": order}}).encode()


HOSTILE_BODIES: list[tuple[bytes, int]] = [
    (b"", 400),
    (b"{", 400),
    (b"\xff\xfe\x00garbage", 400),
    (b'{"operation":"create","data":', 400),
    (b"[1,2,3]", 400),
    (b'"just a string"', 400),
    (b"12", 400),
    (b'{"operation":5}', 400),
    (b'{"operation":"create","metadata":[["a","b"]]}', 400),
    (b'{"operation":"create","metadata":{"a":{"b":1}}}', 400),
    (b'{"operation":"create","data":1e999}', 400),
    (b"[" * 100_000 + b"]" * 100_000, 400),  # deeper than any parser's stack, over the limit
    (b"[" * 20_000, 400),  # deep but within the body limit
    (b'{"operation":"create","data":"' + b"x" * (MAX_BODY + 1) + b'"}', 400),
    (b'{"operation":"delete","data":1}', 500),
    (b'{"data":1}', 500),
    (b'{"operation":"create","data":"' + b"y" * (MAX_MESSAGE * 2) + b'"}', 500),
    (b'{"operation":"create","metadata":{"partitionNumber":"-3"}}', 500),
    (b'{"operation":"create","metadata":{"partitionNumber":"999"}}', 500),
]


async def test_hostile_bodies_get_dapr_errors_and_good_ones_still_land(live: Live) -> None:
    acknowledged = []
    for i, (body, status) in enumerate(HOSTILE_BODIES):
        response = await live.client.post(PATH, data=body)
        assert response.status == status, (body[:80], await response.text())
        error = await response.json()
        assert set(error) == {"errorCode", "message"}
        # A good request right after each bad one is still served and acknowledged.
        order = f"after-{i}"
        assert (await live.client.post(PATH, data=good(order))).status == 204
        acknowledged.append(order)
    assert (await live.client.get("/v1.0/healthz")).status == 204
    records = read_records(live.bootstrap, live.topic, len(acknowledged))
    assert [json.loads(r.value())["order"] for r in records] == acknowledged


@pytest.mark.parametrize(
    ("data", "stored"),
    [
        ('{"b":[1,2.50],"a":"x"}', b'{"a":"x","b":[1,2.5]}'),
        ('"text"', b'"text"'),
        ("1e3", b"1000"),
        ("-0.0", b"-0"),
        ("true", b"true"),
        # daprd's Kafka component writes JSON null as a record with no value.
        ("null", None),
    ],
)
async def test_any_json_type_of_data_is_stored_as_go_writes_it(
    live: Live, data: str, stored: bytes
) -> None:
    body = f'{{"operation":"create","data":{data}}}'
    assert (await live.client.post(PATH, data=body)).status == 204
    [record] = read_records(live.bootstrap, live.topic, 1)
    assert record.value() == stored


async def test_grpc_bad_input_is_refused_and_the_server_lives_on(live: Live) -> None:
    # Bytes that are not an InvokeBindingRequest: gRPC cannot even parse the call.
    raw = live.channel.unary_unary(
        "/dapr.proto.runtime.v1.Dapr/InvokeBinding",
        request_serializer=None,
        response_deserializer=None,
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await raw(b"\xff\xff\xff\xff\x0f")
    assert caught.value.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
    for request in (
        binding_pb2.InvokeBindingRequest(name=BINDING, operation="get"),
        binding_pb2.InvokeBindingRequest(name="missing", operation="create"),
        binding_pb2.InvokeBindingRequest(
            name=BINDING, operation="create", data=b"z" * (MAX_MESSAGE * 2)
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await live.grpc.InvokeBinding(request)
        assert caught.value.code() == grpc.StatusCode.INTERNAL
    await live.grpc.InvokeBinding(
        binding_pb2.InvokeBindingRequest(name=BINDING, operation="create", data=b"\x00ok")
    )
    [record] = read_records(live.bootstrap, live.topic, 1)
    assert record.value() == b"\x00ok"


async def test_a_thousand_concurrent_requests_lose_nothing(live: Live) -> None:
    total = 1000
    run = uuid.uuid4().hex[:6]

    async def send(i: int) -> tuple[int, int]:
        # Every tenth request is malformed, so bad and good input race each other.
        body = b'{"operation":"create","data":' if i % 10 == 0 else good(f"{run}-{i}")
        response = await live.client.post(PATH, data=body)
        await response.read()
        return i, response.status

    results = await asyncio.wait_for(asyncio.gather(*(send(i) for i in range(total))), 90)
    statuses = {i: status for i, status in results}
    assert {statuses[i] for i in range(0, total, 10)} == {400}
    acknowledged = {f"{run}-{i}" for i, status in statuses.items() if status == 204}
    assert len(acknowledged) == total - total // 10, sorted(set(statuses.values()))
    records = read_records(live.bootstrap, live.topic, len(acknowledged), timeout=60)
    stored = [json.loads(r.value())["order"] for r in records]
    assert sorted(stored) == sorted(acknowledged)  # each once: nothing lost, nothing doubled
    assert (await live.client.get("/v1.0/healthz")).status == 204

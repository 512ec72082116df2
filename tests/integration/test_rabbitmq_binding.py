"""bindings.rabbitmq against a real RabbitMQ, through daprlite's sidecar: what the broker holds
after a `create`, TTLs, the answers for what daprd would lose silently, delivery order under
retries, the opt-in dead-letter queue, status in /v1.0/metadata, and reconnecting after the
broker restarts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from daprlite.model.errors import ComponentInitError
from tests.support.rabbit_sidecar import (
    QueueApp,
    amqp_channel,
    drain,
    rabbit_component,
    rabbit_sidecar,
    unique,
)
from tests.support.rabbitmq import LocalRabbitMQ, RabbitServer, running_rabbitmq
from tests.support.wait import eventually

pytestmark = pytest.mark.rabbitmq
NAME = "orders"


def component(server: RabbitServer, queue: str, **metadata: str) -> dict[str, str]:
    return {NAME: rabbit_component(NAME, server, queue, **metadata)}


@pytest.fixture
async def app() -> AsyncIterator[QueueApp]:
    app = QueueApp()
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def test_create_stores_daprds_message_on_the_queue(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    queue = unique("out")
    files = component(rabbitmq_server, queue, direction="output", durable="true")
    async with rabbit_sidecar(tmp_path / "c", files) as sidecar:
        status, _, body = await sidecar.post(
            NAME,
            {
                "operation": "create",
                "data": {"orderId": 1},
                "metadata": {"messageID": "m-1", "priority": "4", "ttlInSeconds": "600"},
            },
        )
        assert (status, body) == (204, b"")  # confirmed by the broker before this answer
        await sidecar.sdk(
            lambda c: c.invoke_binding(NAME, "create", b"raw", binding_metadata={"type": "t"})
        )
    [first, second] = await drain(rabbitmq_server, queue, 2)
    assert first.body == b'{"orderId":1}'
    assert first.delivery_mode == 2 and first.content_type == "text/plain"
    assert (first.message_id, first.priority, first.expiration) == ("m-1", 4, 600.0)
    # Every request-metadata pair is a header, as in daprd: also the traceparent its HTTP API
    # adds (all zeros with tracing off).
    assert first.headers == {
        "messageID": "m-1",
        "priority": "4",
        "ttlInSeconds": "600",
        "traceparent": "00-00000000000000000000000000000000-0000000000000000-00",
    }
    assert (second.body, second.type) == (b"raw", "t")


async def test_queue_and_message_ttls_expire_messages(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    queue = unique("ttl")
    files = component(rabbitmq_server, queue, direction="output", ttlInSeconds="1")
    async with rabbit_sidecar(tmp_path / "c", files) as sidecar:
        for metadata in ({}, {"ttl": "100ms"}):
            status, _, _ = await sidecar.post(
                NAME, {"operation": "create", "data": "x", "metadata": metadata}
            )
            assert status == 204
        async with amqp_channel(rabbitmq_server) as channel:

            async def depth() -> int:
                declared = await channel.declare_queue(queue, passive=True)
                count = declared.declaration_result.message_count
                assert count is not None
                return count

            await eventually(lambda: depth_is(depth, 0), "both messages expired", timeout=30)


async def depth_is(depth, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await depth() == expected


async def test_a_bad_ttl_is_a_500_in_daprs_words(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    files = component(rabbitmq_server, unique("bad"), direction="output")
    async with rabbit_sidecar(tmp_path / "c", files) as sidecar:
        status, _, body = await sidecar.post(
            NAME, {"operation": "create", "data": "x", "metadata": {"ttlInSeconds": "-1"}}
        )
    assert status == 500
    assert json.loads(body) == {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": "error invoking output binding orders: failed to get TTL: ttl value must be "
        "higher than zero: actual is '-1'",
    }


async def test_a_message_no_queue_takes_fails_instead_of_vanishing(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    queue = unique("gone")
    files = component(rabbitmq_server, queue, direction="output")
    async with rabbit_sidecar(tmp_path / "c", files) as sidecar:
        async with amqp_channel(rabbitmq_server) as channel:
            await channel.queue_delete(queue)  # daprd would answer 204 and drop the message
        status, _, body = await sidecar.post(NAME, {"operation": "create", "data": "x"})
        assert status == 500
        assert json.loads(body)["message"] == (
            f"error invoking output binding {NAME}: failed to publish message: the broker "
            f"could not route it to queue {queue} (NO_ROUTE)"
        )

        def invoke(client):  # type: ignore[no-untyped-def]
            try:
                client.invoke_binding(NAME, "create", b"x")
            except grpc.RpcError as exc:
                return exc.code()
            return None

        assert await sidecar.sdk(invoke) == grpc.StatusCode.INTERNAL


async def test_a_wrong_password_fails_init_without_showing_it(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    files = component(rabbitmq_server, unique("auth"), direction="output")
    files[NAME] = files[NAME].replace(rabbitmq_server.password, "Wr0ng-s3cret")
    with pytest.raises(ComponentInitError) as caught:
        async with rabbit_sidecar(tmp_path / "c", files):
            pass
    assert "Wr0ng-s3cret" not in str(caught.value)
    assert "orders" in str(caught.value)


async def test_a_failing_message_is_retried_in_place_and_order_kept(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    # The app refuses its 2nd, 3rd and 4th calls: message 1, three times.
    app = QueueApp(status=lambda n: 500 if n in (2, 3, 4) else 200)
    await app.start()
    files = component(rabbitmq_server, unique("order"), backOffDuration="50ms")
    try:
        async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
            for n in range(5):
                await sidecar.post(NAME, {"operation": "create", "data": n})
            await eventually(lambda: len(app.bodies()) >= 5, "five deliveries")
    finally:
        await app.stop()
    assert app.bodies() == [b"0", b"1", b"2", b"3", b"4"]
    assert app.calls == 8  # three retries with a pause each: no requeue hot loop


async def test_a_message_past_its_retries_is_parked_on_the_dead_letter_queue(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    app = QueueApp(status=lambda n: 500 if n <= 3 else 200)  # message 0 fails every attempt
    await app.start()
    queue, parked = unique("work"), unique("work-dlq")
    files = component(
        rabbitmq_server,
        queue,
        backOffDuration="50ms",
        backOffMaxRetries="2",
        deadLetterQueue=parked,
    )
    try:
        async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
            for n in range(3):
                await sidecar.post(
                    NAME, {"operation": "create", "data": n, "metadata": {"messageID": f"m{n}"}}
                )
            await eventually(lambda: len(app.bodies()) >= 2, "the two good messages")
            async with sidecar.session.get(sidecar.url("/v1.0/metadata")) as response:
                document = await response.json()
    finally:
        await app.stop()
    assert app.bodies() == [b"1", b"2"]
    [dead] = await drain(rabbitmq_server, parked, 1)
    assert (dead.body, dead.message_id) == (b"0", "m0")
    assert dead.headers is not None
    assert dead.headers["daprlite-attempts"] == "3"
    assert dead.headers["daprlite-origin-queue"] == queue
    assert "500" in str(dead.headers["daprlite-error"])
    status = json.dumps(document)
    assert parked in status and '"acked": 3' in status


async def test_input_and_output_reconnect_after_the_broker_restarts(tmp_path: Path) -> None:
    app = QueueApp()
    await app.start()
    try:
        with running_rabbitmq() as local:
            await _restart_case(tmp_path, local, app)
    finally:
        await app.stop()


async def _restart_case(tmp_path: Path, local: LocalRabbitMQ, app: QueueApp) -> None:
    files = component(local.server, "restart", durable="true", reconnectWaitInSeconds="1")
    async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
        assert (await sidecar.post(NAME, {"operation": "create", "data": 1}))[0] == 204
        await eventually(lambda: app.bodies() == [b"1"], "the first message")
        await asyncio.to_thread(local.stop)
        status, _, body = await sidecar.post(NAME, {"operation": "create", "data": "lost?"})
        assert status == 500 and b"channel/connection is not open" in body
        await asyncio.to_thread(local.start)
        # The output opens a new connection on its next request; the input reconnects alone.
        assert (await sidecar.post(NAME, {"operation": "create", "data": 2}))[0] == 204
        await eventually(lambda: app.bodies() == [b"1", b"2"], "the message after the restart")

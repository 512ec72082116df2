"""components-contrib's conformance and certification cases for bindings.rabbitmq, replayed
through daprlite's own sidecar (HTTP API and gRPC through the official Python SDK) against a
real RabbitMQ (catalog §7, §12).

Conformance (tests.yml entry `rabbitmq: [create, operations, read]`, component
tests/config/bindings/rabbitmq/bindings.yml): init, ping, operations, read, create, verify
read, close. Certification (tests/certification/bindings/rabbitmq/rabbitmq_test.go, component
files below as upstream has them, pointed at the test server): standard, options, retry,
exclusive and metadata properties; the TTL and network cases are in
tests/integration/test_rabbitmq_binding.py and the fault suite.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from daprlite.gocompat.json import decode, encode
from tests.integration.cron_app import GrpcTickApp
from tests.support.rabbit_sidecar import (
    QueueApp,
    RabbitSidecar,
    amqp_channel,
    component_yaml,
    periodic_error,
    rabbit_sidecar,
    unique,
)
from tests.support.rabbitmq import RabbitServer
from tests.support.wait import eventually

pytestmark = pytest.mark.rabbitmq

# cc:tests/config/bindings/rabbitmq/bindings.yml
CONFORMANCE_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: binding-topic
  namespace: default
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
  - name: queueName
    value: queue1
  - name: host
    value: "amqp://localhost:5672"
  - name: durable
    value: true
  - name: deleteWhenUnused
    value: false
  - name: ttlInSeconds
    value: 60
  - name: prefetchCount
    value: 0
  - name: exclusive
    value: false
  - name: maxPriority
    value: 5
  - name: contentType
    value: "text/plain"
"""
# bindings.go's default outputData (with the space after "eventTime":).
OUTPUT_DATA = (
    b'[{"eventType":"test","eventTime": "2018-01-25T22:12:19.4556811Z","subject":"dapr-conf-'
    b'tests","id":"A234-1234-1234","data":"root/>"}]'
)
READ_BINDING_TIMEOUT = 60.0

# cc:tests/certification/bindings/rabbitmq/components/<case>/rabbitmq.yaml
CERTIFICATION = {
    "standard": """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: standard-binding
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
  - name: queueName
    value: standardQueue
  - name: host
    value: "amqp://test:test@localhost:5672"
  - name: prefetchCount
    value: 0
  - name: exclusive
    value: false
  - name: contentType
    value: "text/plain"
""",
    "options": """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: options-binding
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
  - name: queueName
    value: optionsQueue
  - name: host
    value: "amqp://test:test@localhost:5672"
  - name: durable
    value: true
  - name: deleteWhenUnused
    value: true
  - name: prefetchCount
    value: 0
  - name: exclusive
    value: false
  - name: maxPriority
    value: 5
  - name: contentType
    value: "text/plain"
""",
    "retry": """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: retry-binding
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
  - name: queueName
    value: retryQueue
  - name: host
    value: "amqp://test:test@localhost:5672"
  - name: prefetchCount
    value: 0
  - name: exclusive
    value: false
  - name: contentType
    value: "text/plain"
""",
    "exclusive": """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: exclusive-binding
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
  - name: queueName
    value: exclusiveQueue
  - name: host
    value: "amqp://test:test@localhost:5672"
  - name: prefetchCount
    value: 0
  - name: exclusive
    value: true
  - name: contentType
    value: "text/plain"
  ignoreErrors: true
""",
    "metadata": """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: metadata-binding
spec:
  type: bindings.rabbitmq
  version: v1
  metadata:
  - name: queueName
    value: metadataQueue
  - name: host
    value: "amqp://test:test@localhost:5672"
  - name: durable
    value: true
  - name: deleteWhenUnused
    value: false
""",
}
NUM_OF_MESSAGES = 10


@pytest.fixture
async def app() -> AsyncIterator[QueueApp]:
    app = QueueApp()
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


def _files(case: str, server: RabbitServer, queue: str) -> dict[str, str]:
    return {case: component_yaml(CERTIFICATION[case], server, queue)}


async def _send_grpc(sidecar: RabbitSidecar, name: str, messages: list[str], **meta: str) -> None:
    def send(client):  # type: ignore[no-untyped-def]
        for message in messages:
            client.invoke_binding(name, "create", message.encode(), binding_metadata=dict(meta))

    await sidecar.sdk(send)


# --- conformance ----------------------------------------------------------------------------


async def test_conformance_init_ping_operations_read_create_close(
    tmp_path: Path, rabbitmq_server: RabbitServer, app: QueueApp
) -> None:
    queue = unique("queue1")
    files = {"bindings": component_yaml(CONFORMANCE_COMPONENT, rabbitmq_server, queue)}
    async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
        # init: up, as input and output
        async with sidecar.session.get(sidecar.url("/v1.0/metadata")) as response:
            listed = (await response.json())["components"]
        assert {
            "name": "binding-topic",
            "type": "bindings.rabbitmq",
            "version": "v1",
            "capabilities": ["INPUT_BINDING", "OUTPUT_BINDING"],
        } in listed
        # ping: no sidecar API; the health endpoint stands in for it
        async with sidecar.session.get(sidecar.url("/v1.0/healthz")) as response:
            assert response.status == 204
        # operations: the runtime's refusal lists them
        status, _, body = await sidecar.post("binding-topic", {"operation": "nope"})
        assert status == 500
        assert json.loads(body)["message"].endswith("supported operations:create")
        # create over gRPC (bytes as given) and over HTTP (re-marshalled as daprd does)
        await _send_grpc(sidecar, "binding-topic", [OUTPUT_DATA.decode()])
        status, _, body = await sidecar.post(
            "binding-topic", {"operation": "create", "data": json.loads(OUTPUT_DATA)}
        )
        assert (status, body) == (204, b"")
        # verify read: both reached the app, in order, each exactly as daprd would hand it on
        await eventually(lambda: len(app.bodies()) >= 2, "two reads", timeout=READ_BINDING_TIMEOUT)
        assert app.bodies("/binding-topic") == [OUTPUT_DATA, encode(decode(OUTPUT_DATA))]
    # close: the sidecar stopped without an error (rabbit_sidecar checks the exit code)


async def test_conformance_read_through_a_grpc_app(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    grpc_app = GrpcTickApp(bindings=["binding-topic"])
    await grpc_app.start()
    try:
        queue = unique("queue1")
        files = {"bindings": component_yaml(CONFORMANCE_COMPONENT, rabbitmq_server, queue)}
        async with rabbit_sidecar(tmp_path / "c", files, grpc_app.port, "grpc") as sidecar:
            await _send_grpc(sidecar, "binding-topic", [OUTPUT_DATA.decode()], note="n1")
            await eventually(lambda: grpc_app.events, "an OnBindingEvent", timeout=30)
            [event] = grpc_app.events
            assert event.name == "binding-topic"
            assert event.data == OUTPUT_DATA
            assert event.metadata["note"] == "n1"
    finally:
        await grpc_app.stop()


# --- certification --------------------------------------------------------------------------


async def test_certification_standard(
    tmp_path: Path, rabbitmq_server: RabbitServer, app: QueueApp
) -> None:
    files = _files("standard", rabbitmq_server, unique("standardQueue"))
    messages = [f"standard-binding: Message {i:03d}" for i in range(NUM_OF_MESSAGES)]
    async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
        await _send_grpc(sidecar, "standard-binding", messages)
        await eventually(lambda: len(app.bodies()) >= NUM_OF_MESSAGES, "10 messages")
    # Upstream's watcher is unordered; daprlite also keeps queue order.
    assert app.bodies("/standard-binding") == [m.encode() for m in messages]


async def test_certification_options(
    tmp_path: Path, rabbitmq_server: RabbitServer, app: QueueApp
) -> None:
    queue = unique("optionsQueue")
    files = _files("options", rabbitmq_server, queue)
    messages = [f"options-binding: Message {i:03d}" for i in range(NUM_OF_MESSAGES)]
    async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
        # The queue was declared durable, auto-delete, with x-max-priority 5: a declaration
        # with other settings would be refused (406), one with these is accepted.
        async with amqp_channel(rabbitmq_server) as channel:
            await channel.declare_queue(
                queue, durable=True, auto_delete=True, arguments={"x-max-priority": 5}
            )
        await _send_grpc(sidecar, "options-binding", messages, priority="3")
        await eventually(lambda: len(app.bodies()) >= NUM_OF_MESSAGES, "10 messages")
    assert app.bodies("/options-binding") == [m.encode() for m in messages]


async def test_certification_retries_on_error(
    tmp_path: Path, rabbitmq_server: RabbitServer
) -> None:
    app = QueueApp(status=periodic_error(10))
    await app.start()
    files = _files("retry", rabbitmq_server, unique("retryQueue"))
    # Upstream's component has no back-off settings: daprlite's default (5 s constant) would
    # make this slow, so the replay adds a short one; daprd retries at once.
    files["retry"] = files["retry"].replace(
        "  metadata:\n", '  metadata:\n  - name: backOffDuration\n    value: "50ms"\n', 1
    )
    messages = [f"Message {i:03d}" for i in range(NUM_OF_MESSAGES)]
    try:
        async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
            await _send_grpc(sidecar, "retry-binding", messages)
            await eventually(lambda: len(app.bodies()) >= NUM_OF_MESSAGES, "10 messages")
    finally:
        await app.stop()
    # Every message arrived once, in order, although calls 1, 2 and 10 were refused.
    assert app.bodies() == [m.encode() for m in messages]
    assert app.calls == NUM_OF_MESSAGES + 3


async def test_certification_exclusive_queue_fails_the_output(
    tmp_path: Path, rabbitmq_server: RabbitServer, app: QueueApp
) -> None:
    files = _files("exclusive", rabbitmq_server, unique("exclusiveQueue"))
    async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:

        def invoke(client):  # type: ignore[no-untyped-def]
            try:
                client.invoke_binding("exclusive-binding", "create", b"exclusive-binding: 0")
            except grpc.RpcError as exc:
                return exc
            return None

        error = await sidecar.sdk(invoke)
        assert error is not None and error.code() == grpc.StatusCode.INTERNAL
        status, _, body = await sidecar.post(
            "exclusive-binding", {"operation": "create", "data": "x"}
        )
        assert status == 500
        assert json.loads(body) == {
            "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
            "message": "error invoking output binding exclusive-binding: couldn't find output "
            "binding exclusive-binding",
        }
        # Skipped as daprd skips it (ignoreErrors), with the broker's refusal on record.
        async with sidecar.session.get(sidecar.url("/v1.0/metadata")) as response:
            listed = await response.json()
        assert all(c["name"] != "exclusive-binding" for c in listed.get("components", []))
        [failure] = sidecar.sidecar.store.init_errors
        assert "RESOURCE_LOCKED" in failure["error"]


async def test_certification_metadata_properties(
    tmp_path: Path, rabbitmq_server: RabbitServer, app: QueueApp
) -> None:
    files = _files("metadata", rabbitmq_server, unique("metadataQueue"))
    meta = {
        "messageID": "test-message-id",
        "correlationID": "test-correlation-id",
        "type": "test-type",
        "contentType": "application/json",
    }
    async with rabbit_sidecar(tmp_path / "c", files, app.port) as sidecar:
        await _send_grpc(sidecar, "metadata-binding", ['{"hello":"world"}'], **meta)
        await eventually(lambda: app.deliveries, "the message", timeout=30)
    [delivery] = app.deliveries
    assert delivery.body == b'{"hello":"world"}'
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["messageid"] == "test-message-id"
    assert headers["correlationid"] == "test-correlation-id"
    assert headers["type"] == "test-type"
    # daprd sends the event itself as application/json; the request's contentType header
    # travels as metadata too (the upstream check is case-insensitive on the name).
    assert "application/json" in headers["contenttype"]

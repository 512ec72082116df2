"""Every bindings.redis operation through both Dapr APIs, against the real Redis: HTTP
`POST /v1.0/bindings/<name>` and gRPC `InvokeBinding` from the official Python SDK, with the
status codes, bodies and error texts real daprd 1.18 gave for the same calls (recorded against
redis-server 7.0.15), and the stored bytes read back with redis-cli.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from tests.support.pg_sidecar import PgSidecar, sidecar_from_resources
from tests.support.redis import RedisServer

pytestmark = pytest.mark.redis

NAME = "rb"
ERROR_PREFIX = f"error invoking output binding {NAME}: "
COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: bindings.redis
  version: v1
  metadata:
  - name: redisHost
    value: "{address}"
"""


async def running(
    tmp_path: Path, address: str, extra: str = "", name: str = NAME
) -> AsyncIterator[PgSidecar]:
    folder = tmp_path / "components"
    folder.mkdir(exist_ok=True)
    (folder / "redis.yaml").write_text(COMPONENT.format(name=name, address=address) + extra)
    async with sidecar_from_resources(folder) as sidecar:
        yield sidecar


@pytest.fixture
async def sidecar(tmp_path: Path, redis_server: RedisServer) -> AsyncIterator[PgSidecar]:
    async for running_sidecar in running(tmp_path, redis_server.address):
        yield running_sidecar


async def post(sidecar: PgSidecar, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return await sidecar.post(body, name=NAME)


def fresh_key() -> str:
    return f"k-{uuid.uuid4().hex[:12]}"


def call(
    operation: str, key: str | None, data: object = None, **metadata: str
) -> dict[str, object]:
    body: dict[str, object] = {"operation": operation, "metadata": dict(metadata)}
    if key is not None:
        body["metadata"]["key"] = key  # type: ignore[index]
    if data is not None:
        body["data"] = data
    return body


async def test_http_create_get_increment_as_daprd(sidecar, redis_server) -> None:
    key = fresh_key()
    created = await post(sidecar, call("create", key, "41"))
    assert created.status == 204
    # The HTTP API re-encodes data as JSON: a string is stored with its quotes.
    assert redis_server.command("GET", key) == '"41"'
    got = await post(sidecar, call("get", key))
    assert got.status == 200
    assert got.headers["Content-Type"] == "application/json"
    assert await got.read() == b'"41"'
    failed = await post(sidecar, call("increment", key))
    assert failed.status == 500
    assert json.loads(await failed.read()) == {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": ERROR_PREFIX + "ERR value is not an integer or out of range",
    }
    # A JSON number is stored bare, and increments.
    assert (await post(sidecar, call("create", key, 41))).status == 204
    incremented = await post(sidecar, call("increment", key, ttlInSeconds="100"))
    assert incremented.status == 204
    assert await incremented.read() == b""  # the new value is not returned, as in daprd
    assert 0 < int(redis_server.command("TTL", key)) <= 100
    again = await post(sidecar, call("get", key))
    assert (again.status, await again.read()) == (200, b"42")


async def test_http_get_missing_key_is_200_with_no_body(sidecar) -> None:
    missing = await post(sidecar, call("get", fresh_key()))
    assert missing.status == 200
    assert missing.headers["Content-Type"] == "application/json"
    assert await missing.read() == b""


async def test_http_get_with_delete_then_delete(sidecar, redis_server) -> None:
    key = fresh_key()
    assert (await post(sidecar, call("create", key, {"b": 1, "a": "<x>"}))).status == 204
    taken = await post(sidecar, call("get", key, delete="true"))
    # Go's encoder: keys sorted, HTML characters escaped.
    assert (taken.status, await taken.read()) == (200, b'{"a":"\\u003cx\\u003e","b":1}')
    assert redis_server.command("EXISTS", key) == "0"
    # Only the exact text "true" deletes.
    assert (await post(sidecar, call("create", key, 7))).status == 204
    kept = await post(sidecar, call("get", key, delete="True"))
    assert await kept.read() == b"7"
    assert redis_server.command("EXISTS", key) == "1"
    deleted = await post(sidecar, call("delete", key))
    assert (deleted.status, await deleted.read()) == (204, b"")
    assert redis_server.command("EXISTS", key) == "0"
    # Deleting what is not there is no error either.
    assert (await post(sidecar, call("delete", key))).status == 204


async def test_http_create_without_data_stores_null(sidecar, redis_server) -> None:
    key = fresh_key()
    assert (await post(sidecar, call("create", key))).status == 204
    assert redis_server.command("GET", key) == "null"


@pytest.mark.parametrize(
    ("ttl_metadata", "low", "high"),
    [({"ttl": "1h"}, 3500, 3600), ({"TTLInSeconds": "90"}, 80, 90), ({"ttl": "2.9s"}, 1, 2)],
)
async def test_http_create_with_ttl(sidecar, redis_server, ttl_metadata, low, high) -> None:
    key = fresh_key()
    assert (await post(sidecar, call("create", key, "v", **ttl_metadata))).status == 204
    assert low <= int(redis_server.command("TTL", key)) <= high


async def test_http_ttl_under_a_second_removes_the_key_as_daprd_does(sidecar, redis_server) -> None:
    for ttl in ("0", "500ms", "-5s"):
        key = fresh_key()
        assert (await post(sidecar, call("create", key, "v", ttl=ttl))).status == 204
        assert redis_server.command("EXISTS", key) == "0", ttl


ERRORS = [
    (call("create", None, "x"), "redis binding: missing key in request metadata"),
    (call("get", ""), "redis binding: missing key in request metadata"),
    # Go map lookups: the key's name is exact-case.
    (
        {"operation": "get", "metadata": {"Key": "k"}},
        "redis binding: missing key in request metadata",
    ),
    (call("create", "t", "x", ttl="abc"), "ttl value must be a valid integer: actual is 'abc'"),
    (
        call("increment", "t", ttlInSeconds="-05"),
        "ttl value must be higher than zero: actual is '-5'",
    ),
    (
        call("list", "t"),
        f"binding {NAME} does not support operation list. "
        "supported operations:create delete get increment",
    ),
]


@pytest.mark.parametrize(("request_body", "message"), ERRORS)
async def test_http_errors(sidecar, request_body, message: str) -> None:
    response = await post(sidecar, request_body)
    assert response.status == 500
    assert json.loads(await response.read()) == {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": ERROR_PREFIX + message,
    }


async def test_a_bad_ttl_writes_nothing(sidecar, redis_server) -> None:
    # daprd writes the value and then fails on the TTL; daprlite checks the TTL first.
    key = fresh_key()
    failed = await post(sidecar, call("create", key, "x", ttl="soon"))
    assert failed.status == 500
    assert redis_server.command("EXISTS", key) == "0"


async def test_grpc_stores_bytes_verbatim_and_increments(sidecar, redis_server) -> None:
    key = fresh_key()

    def work(client):  # type: ignore[no-untyped-def]
        created = client.invoke_binding(NAME, "create", b"41", {"key": key})
        incremented = client.invoke_binding(NAME, "increment", b"", {"key": key})
        got = client.invoke_binding(NAME, "get", b"", {"key": key})
        return created, incremented, got

    created, incremented, got = await sidecar.sdk(work)
    assert created.data == b"" and incremented.data == b""
    assert got.data == b"42"
    assert dict(got.binding_metadata) == {}
    assert redis_server.command("GET", key) == "42"


async def test_grpc_binary_data_round_trips(sidecar) -> None:
    key = fresh_key()
    blob = bytes(range(256))

    def work(client):  # type: ignore[no-untyped-def]
        client.invoke_binding(NAME, "create", blob, {"key": key, "ttl": "60s"})
        taken = client.invoke_binding(NAME, "get", b"", {"key": key, "delete": "true"})
        after = client.invoke_binding(NAME, "get", b"", {"key": key})
        client.invoke_binding(NAME, "delete", b"", {"key": key})
        return taken, after

    taken, after = await sidecar.sdk(work)
    assert taken.data == blob
    assert after.data == b""


@pytest.mark.parametrize(("request_body", "message"), ERRORS)
async def test_grpc_errors(sidecar, request_body, message: str) -> None:
    metadata = request_body["metadata"]
    data = str(request_body.get("data", "")).encode()

    def work(client):  # type: ignore[no-untyped-def]
        try:
            client.invoke_binding(NAME, request_body["operation"], data, metadata)
        except grpc.RpcError as exc:
            return exc
        raise AssertionError("the call succeeded")

    error = await sidecar.sdk(work)
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == ERROR_PREFIX + message
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.reason == "ERR_INVOKE_OUTPUT_BINDING"


async def test_grpc_increment_of_text_fails_as_daprd(sidecar) -> None:
    key = fresh_key()

    def work(client):  # type: ignore[no-untyped-def]
        client.invoke_binding(NAME, "create", b"forty-one", {"key": key})
        try:
            client.invoke_binding(NAME, "increment", b"", {"key": key})
        except grpc.RpcError as exc:
            return exc
        raise AssertionError("the increment succeeded")

    error = await sidecar.sdk(work)
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == ERROR_PREFIX + "ERR value is not an integer or out of range"

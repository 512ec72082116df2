"""components-contrib's conformance and certification cases for bindings.redis, replayed
through daprlite's own APIs against a real redis-server.

Conformance (`tests/config/bindings/tests.yml`, entries redis.v6/v7/valkey8/valkey9: operations
create and operations, `output.key: $((uuid))`): init, ping, operations, create, close.
Certification (`tests/certification/bindings/redis/redis_test.go`): create and read back; create
with `ttlInSeconds`, increment with a TTL, GETDEL; the data still there after the server was
stopped and started; a create sent while the server restarts succeeds on the retry options.
The Go tests call through the Go SDK's gRPC client; here the Python SDK's. Component files are
upstream's, with the server's port put in for the fixed one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.pg_sidecar import PgSidecar, sidecar_from_resources
from tests.support.redis import RedisServer, local_redis
from tests.support.wait import eventually

pytestmark = pytest.mark.redis

# cc:tests/config/bindings/redis/v7/bindings.yml
CONFORMANCE_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: redis-binding
  namespace: default
spec:
  type: bindings.redis
  version: v1
  metadata:
  - name: redisHost
    value: localhost:{port}
  - name: redisPassword
    value:
  - name: enableTLS
    value: false
"""
# cc:tests/certification/bindings/redis/components/standard/redis.yaml
STANDARD_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: redisBinding
spec:
  type: bindings.redis
  version: v1
  metadata:
  - name: redisHost
    value: "localhost:{port}"
  - name: redisPassword
    value: ""
"""
# cc:tests/certification/bindings/redis/components/retryOptions/redis.yaml
RETRY_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: redisBinding
  initTimeout: 5m
spec:
  type: bindings.redis
  version: v1
  ignoreErrors: true
  metadata:
    - name: redisHost
      value: "localhost:{port}"
    - name: redisPassword
      value: ""
    - name: dialTimeout
      value: "10s"
    - name: redisMaxRetries
      value: "5"
    - name: redisMinRetryInterval
      value: "100ms"
    - name: redisMaxRetryInterval
      value: "3s"
"""
# cc:tests/conformance/bindings/bindings.go (NewTestConfig): the default outputData.
OUTPUT_DATA = (
    b'[{"eventType":"test","eventTime": "2018-01-25T22:12:19.4556811Z",'
    b'"subject":"dapr-conf-tests","id":"A234-1234-1234","data":"root/>"}]'
)
# cc:tests/certification/bindings/redis/redis_test.go
BINDING = "redisBinding"
KEY_NAME = "certification-test-key"
DATA_INSERTED = "certification-test-data"


async def _running(tmp_path: Path, port: int, template: str) -> AsyncIterator[PgSidecar]:
    folder = tmp_path / f"components-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    (folder / "redis.yaml").write_text(template.format(port=port))
    async with sidecar_from_resources(folder) as sidecar:
        yield sidecar


@pytest.fixture
async def conformance(tmp_path, redis_server: RedisServer):  # type: ignore[no-untyped-def]
    async for sidecar in _running(tmp_path, redis_server.port, CONFORMANCE_COMPONENT):
        yield sidecar


@pytest.fixture
async def standard(tmp_path, redis_server: RedisServer):  # type: ignore[no-untyped-def]
    async for sidecar in _running(tmp_path, redis_server.port, STANDARD_COMPONENT):
        yield sidecar


async def test_conformance_init_ping_operations_create_close(
    conformance: PgSidecar, redis_server: RedisServer
) -> None:
    # init: the component is up and listed as daprd lists it.
    async with conformance.session.get(conformance.url("/v1.0/metadata")) as response:
        document = await response.json()
    assert {"name": "redis-binding", "type": "bindings.redis", "version": "v1"}.items() <= (
        document["components"][0].items()
    )
    # ping: no sidecar API; the outbound health check stands for it.
    async with conformance.session.get(conformance.url("/v1.0/healthz/outbound")) as response:
        assert response.status == 204
    # operations: read from daprd's unsupported-operation error, as the harness notes say.
    answer = await conformance.post({"operation": "operations"}, name="redis-binding")
    listed = re.search(r"supported operations:(.*)$", (await answer.json())["message"])
    assert listed is not None
    assert set(listed.group(1).lower().split()) == {"create", "delete", "get", "increment"}
    # create: outputData with `output` metadata (key $((uuid))), no error; gRPC keeps the bytes.
    key = str(uuid.uuid4())
    created = await conformance.sdk(
        lambda client: client.invoke_binding("redis-binding", "create", OUTPUT_DATA, {"key": key})
    )
    assert created.data == b""
    assert redis_server.command("GET", key) == OUTPUT_DATA.decode()
    # close: happens as the sidecar shuts down, without an error (the fixture's teardown).


async def test_certification_create(standard: PgSidecar, redis_server: RedisServer) -> None:
    await standard.sdk(
        lambda client: client.invoke_binding(
            BINDING, "create", DATA_INSERTED.encode(), {"key": KEY_NAME}
        )
    )
    assert redis_server.command("GET", KEY_NAME) == DATA_INSERTED


async def test_certification_create_increment_expire_getdel(standard: PgSidecar) -> None:
    def steps(client):  # type: ignore[no-untyped-def]
        client.invoke_binding(
            BINDING, "create", b"hello", {"key": "expireKey", "ttlInSeconds": "2"}
        )
        client.invoke_binding(BINDING, "create", b"41", {"key": "incKey"})
        client.invoke_binding(BINDING, "increment", b"", {"key": "incKey", "ttlInSeconds": "2"})
        return client.invoke_binding(BINDING, "get", b"", {"key": "incKey"})

    assert (await standard.sdk(steps)).data == b"42"

    # The Go test sleeps 3 s; waiting on the condition proves the same with a deadline.
    async def expired() -> bool:
        def both(client):  # type: ignore[no-untyped-def]
            return [
                client.invoke_binding(BINDING, "get", b"", {"key": key}).data
                for key in ("incKey", "expireKey")
            ]

        return await standard.sdk(both) == [b"", b""]

    await eventually(expired, "incKey and expireKey to expire", timeout=10)

    def get_del(client):  # type: ignore[no-untyped-def]
        client.invoke_binding(BINDING, "create", b"43", {"key": "getDelKey"})
        taken = client.invoke_binding(BINDING, "get", b"", {"key": "getDelKey", "delete": "true"})
        after = client.invoke_binding(BINDING, "get", b"", {"key": "getDelKey"})
        return taken.data, after.data

    assert await standard.sdk(get_del) == (b"43", b"")


async def test_certification_data_accessible_after_server_restart(tmp_path: Path) -> None:
    with local_redis(persist=True) as (local, server):
        async for sidecar in _running(tmp_path, server.port, STANDARD_COMPONENT):
            await sidecar.sdk(
                lambda client: client.invoke_binding(
                    BINDING, "create", DATA_INSERTED.encode(), {"key": KEY_NAME}
                )
            )
            local.stop()
            local.start()
            # The pooled connection died with the server: go-redis (and daprlite) reconnect.
            got = await sidecar.sdk(
                lambda client: client.invoke_binding(BINDING, "get", b"", {"key": KEY_NAME})
            )
            assert got.data == DATA_INSERTED.encode()


async def test_certification_create_during_restart_succeeds_with_retry_options(
    tmp_path: Path,
) -> None:
    with local_redis() as (local, server):
        async for sidecar in _running(tmp_path, server.port, RETRY_COMPONENT):
            local.stop()
            # While "restarting", the port drops every connection: proof that the create met a
            # server that was not there before the real one came back.
            with _dropping_listener(server.port) as dropped:
                create = asyncio.ensure_future(
                    sidecar.sdk(
                        lambda client: client.invoke_binding(
                            BINDING, "create", DATA_INSERTED.encode(), {"key": KEY_NAME}
                        )
                    )
                )
                await eventually(lambda: dropped, "the create to reach the restarting port")
            # The create is retried (5 retries, 100 ms to 3 s apart) until the server is back.
            await asyncio.to_thread(local.start)
            await create
            assert server.command("GET", KEY_NAME) == DATA_INSERTED


@contextlib.contextmanager
def _dropping_listener(port: int) -> Iterator[list[int]]:
    """A socket on `port` that closes each connection at once; yields how many it dropped."""
    dropped: list[int] = []
    listener = socket.create_server(("127.0.0.1", port))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.close()
            dropped.append(1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield dropped
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()

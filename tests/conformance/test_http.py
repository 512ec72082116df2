"""components-contrib's conformance cases for bindings.http, replayed through daprlite's APIs.

tests/config/bindings/tests.yml runs `http` with operations ["create", "operations"] against
tests/config/bindings/http/bindings.yml (`url: http://localhost:22222/call`) and the suite's
echo server (tests/conformance/utils/utils.go: `POST /call` keeps the body). The Go suite
calls the component directly; here each step goes through a real sidecar, over HTTP and over
gRPC with the official SDK (catalog §12.4). The unit-test matrix of bindings/http/http_test.go
follows, through the same two APIs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import grpc
import pytest
from aiohttp import web

from daprlite.model.contracts import InvokeRequest
from tests.integration.http_echo_server import EchoServer
from tests.integration.http_sidecar import RunningSidecar, http_sidecar, point_sdk_at
from tests.integration.http_test_go_cases import DEFAULT_BEHAVIOURS, NON_2XX_SUPPRESSED, Case

NAME = "http-binding"
# bindings.go's default outputData, byte for byte (note the space after "eventTime":).
OUTPUT_DATA = (
    b'[{"eventType":"test","eventTime": "2018-01-25T22:12:19.4556811Z",'
    b'"subject":"dapr-conf-tests","id":"A234-1234-1234","data":"root/>"}]'
)
CONFIGURED_OPERATIONS = ("create", "operations")


class CallServer:
    """utils.StartHTTPServer: `POST /call` stores the body and answers 200; nothing else."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> CallServer:
        app = web.Application()
        app.router.add_post("/call", self._post)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]
        return self

    async def _post(self, request: web.Request) -> web.Response:
        self.data = await request.read()
        return web.Response()


@pytest.fixture
async def call_server() -> AsyncIterator[CallServer]:
    server = await CallServer().start()
    yield server
    assert server.runner is not None
    await server.runner.cleanup()


@pytest.fixture
async def conformance(
    tmp_path: Path, call_server: CallServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningSidecar]:
    """Step 1, init: the sidecar starts with the conformance component (and step 10, close:
    leaving the block stops it, which must end with exit code 0 and no error)."""
    url = f"http://localhost:{call_server.port}/call"
    async with http_sidecar(tmp_path, {"url": url}, name=NAME) as running:
        point_sdk_at(running, monkeypatch)
        yield running


async def test_init_lists_the_component(conformance: RunningSidecar) -> None:
    base = f"http://127.0.0.1:{conformance.sidecar.http_port}/v1.0"
    async with aiohttp.ClientSession() as client, client.get(f"{base}/metadata") as response:
        document = await response.json()
    assert {"name": NAME, "type": "bindings.http", "version": "v1"}.items() <= (
        document["components"][0].items()
    )
    # Step 2, ping: daprd has no API for it; the outbound health check is the nearest.
    async with aiohttp.ClientSession() as client, client.get(f"{base}/healthz/outbound") as health:
        assert health.status == 204


def supported(message: str) -> list[str]:
    return message.rsplit("supported operations:", 1)[1].split(" ")


async def test_operations_lists_every_configured_operation(conformance: RunningSidecar) -> None:
    reply = await conformance.post({"operation": "no-such-operation"})
    over_http = supported(reply.json()["message"])
    with pytest.raises(grpc.RpcError) as caught:
        await conformance.sdk(lambda client: client.invoke_binding(NAME, "no-such-operation"))
    assert isinstance(caught.value, grpc.Call)
    over_grpc = supported(caught.value.details() or "")
    for operation in CONFIGURED_OPERATIONS:
        if operation not in ("operations", "read"):
            assert operation.lower() in [op.lower() for op in over_http]
            assert operation.lower() in [op.lower() for op in over_grpc]


async def test_create_over_grpc_sends_the_data_byte_for_byte(
    conformance: RunningSidecar, call_server: CallServer
) -> None:
    response = await conformance.sdk(
        lambda client: client.invoke_binding(NAME, "create", OUTPUT_DATA, {})
    )
    assert call_server.data == OUTPUT_DATA
    assert (response.data, response.binding_metadata["statusCode"]) == (b"", "200")


async def test_create_over_http_sends_daprds_re_encoded_json(
    conformance: RunningSidecar, call_server: CallServer
) -> None:
    reply = await conformance.post({"operation": "create", "data": json.loads(OUTPUT_DATA)})
    # A non-nil response with no data: 200 with an empty body, not 204.
    assert (reply.status, reply.body) == (200, b"")
    assert reply.metadata_headers["Metadata.statuscode"] == "200"
    # Go's encoding/json: keys sorted, compact, `>` escaped.
    assert call_server.data == (
        b'[{"data":"root/\\u003e","eventTime":"2018-01-25T22:12:19.4556811Z",'
        b'"eventType":"test","id":"A234-1234-1234","subject":"dapr-conf-tests"}]'
    )


# --- bindings/http/http_test.go through the APIs


@pytest.fixture
async def handler() -> AsyncIterator[EchoServer]:
    server = await EchoServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def matrix(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    handler: EchoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[RunningSidecar, dict[str, Case]]]:
    metadata = {"url": handler.url}
    if request.param == "false":
        metadata["errorIfNot2XX"] = "false"
    async with http_sidecar(tmp_path, metadata, name=NAME) as running:
        point_sdk_at(running, monkeypatch)
        yield running, DEFAULT_BEHAVIOURS if request.param == "true" else NON_2XX_SUPPRESSED


def api_error(case: Case) -> str:
    """daprd's message for a failing case: the runtime refuses an unknown operation before the
    binding's own "invalid operation" could."""
    if case.error.startswith("invalid operation"):
        return (
            f"binding {NAME} does not support operation {case.operation}. supported operations:"
            "create get head post put patch delete options trace"
        )
    return case.error


def answer(case: Case, sent: bytes) -> bytes:
    headers = dict(case.metadata)
    if "X-Input" in headers:
        return headers["X-Input"].upper().encode()
    if case.operation in ("create", "post", "put", "patch"):
        return sent.upper()
    return case.operation.upper().encode()


# (component errorIfNot2XX, case): verifyDefaultBehaviors, then verifyNon2XXErrorsSuppressed.
MATRIX = [pytest.param("true", name, id=f"default: {name}") for name in DEFAULT_BEHAVIOURS] + [
    pytest.param("false", name, id=f"errorIfNot2XX false: {name}") for name in NON_2XX_SUPPRESSED
]


@pytest.mark.parametrize(("matrix", "name"), MATRIX, indirect=["matrix"])
async def test_http_test_go_over_http(
    matrix: tuple[RunningSidecar, dict[str, Case]], handler: EchoServer, name: str
) -> None:
    running, cases = matrix
    case = cases[name]
    request: InvokeRequest = case.request()
    reply = await running.post(
        {"operation": case.operation, "data": case.input, "metadata": dict(request.metadata)}
    )
    if case.error:
        assert reply.status == 500
        assert reply.json() == {
            "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
            "message": f"error invoking output binding {NAME}: {api_error(case)}",
        }
        return
    assert reply.status == 200
    assert handler.path == case.path
    if case.status != 204:
        assert reply.body == answer(case, json.dumps(case.input).encode())
    assert reply.metadata_headers["Metadata.content-Type"] == "text/plain"
    assert reply.metadata_headers["Metadata.statuscode"] == str(case.status)


@pytest.mark.parametrize(("matrix", "name"), MATRIX, indirect=["matrix"])
async def test_http_test_go_over_grpc(
    matrix: tuple[RunningSidecar, dict[str, Case]], handler: EchoServer, name: str
) -> None:
    running, cases = matrix
    case = cases[name]
    request = case.request()

    def invoke(client):  # type: ignore[no-untyped-def]
        return client.invoke_binding(NAME, case.operation, request.data, dict(request.metadata))

    if case.error:
        with pytest.raises(grpc.RpcError) as caught:
            await running.sdk(invoke)
        assert isinstance(caught.value, grpc.Call)
        assert caught.value.code() == grpc.StatusCode.INTERNAL
        assert caught.value.details() == f"error invoking output binding {NAME}: {api_error(case)}"
        return
    response = await running.sdk(invoke)
    assert handler.path == case.path
    if case.status != 204:
        assert response.data == answer(case, case.input.encode())
    assert response.binding_metadata["Content-Type"] == "text/plain"
    assert response.binding_metadata["statusCode"] == str(case.status)

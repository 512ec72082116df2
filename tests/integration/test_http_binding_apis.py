"""Every bindings.http operation through both Dapr APIs of a real in-process sidecar: HTTP
(`POST /v1.0/bindings/call`) and gRPC (the official Python SDK, and raw stubs where the SDK
hides the call metadata), against a real aiohttp endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc

from daprlite.bindings.http.request import OPERATIONS
from tests.integration.http_echo_server import EchoServer
from tests.integration.http_sidecar import RunningSidecar, http_sidecar, point_sdk_at

WITH_BODY = {"create", "post", "put", "patch"}
SUPPORTED = "create get head post put patch delete options trace"


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = await EchoServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def running(
    tmp_path: Path, echo: EchoServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningSidecar]:
    async with http_sidecar(tmp_path, {"url": echo.url}) as sidecar:
        point_sdk_at(sidecar, monkeypatch)
        yield sidecar


def echoed(operation: str, sent: bytes) -> bytes:
    """What the endpoint answers: the body upper-cased, or the method when there is none."""
    if operation == "head":
        return b""
    if operation in WITH_BODY:
        return sent.upper()
    return operation.upper().encode()


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_every_operation_over_http(
    running: RunningSidecar, echo: EchoServer, operation: str
) -> None:
    reply = await running.post(
        {"operation": operation, "data": "hello", "metadata": {"path": "/p", "X-Trace-Me": "1"}}
    )
    assert reply.status == 200
    # Over HTTP `data` is re-encoded as JSON, so the endpoint gets the string with its quotes.
    assert reply.body == echoed(operation, b'"hello"')
    assert echo.path == "/p"
    assert echo.headers["X-Trace-Me"] == "1"
    assert reply.metadata_headers["Metadata.statuscode"] == "200"
    assert reply.metadata_headers["Metadata.status"] == "200 OK"
    assert reply.metadata_headers["Metadata.content-Type"] == "text/plain"


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_every_operation_over_grpc(
    running: RunningSidecar, echo: EchoServer, operation: str
) -> None:
    response = await running.sdk(
        lambda client: client.invoke_binding("call", operation, b"hello", {"path": "/p"})
    )
    assert response.data == echoed(operation, b"hello")  # gRPC passes the bytes untouched
    assert echo.path == "/p"
    assert response.binding_metadata["statusCode"] == "200"
    assert response.binding_metadata["status"] == "200 OK"
    assert response.binding_metadata["Content-Type"] == "text/plain"
    assert response.headers["metadata.statuscode"] == ["200"]
    assert response.headers["metadata.content-type"] == ["text/plain"]


async def test_a_non_2xx_answer_fails_the_call_over_http(running: RunningSidecar) -> None:
    reply = await running.post(
        {"operation": "post", "data": "x", "metadata": {"X-Status-Code": "404"}}
    )
    assert reply.status == 500
    assert reply.json() == {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": "error invoking output binding call: received status code 404",
    }


async def test_a_non_2xx_answer_fails_the_call_over_grpc(running: RunningSidecar) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        await running.sdk(
            lambda client: client.invoke_binding("call", "get", b"", {"X-Status-Code": "404"})
        )
    error = caught.value
    assert isinstance(error, grpc.Call)
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == "error invoking output binding call: received status code 404"


async def test_error_if_not_2xx_false_returns_the_answer(running: RunningSidecar) -> None:
    metadata = {"X-Status-Code": "404", "errorIfNot2XX": "false"}
    reply = await running.post({"operation": "post", "data": "x", "metadata": metadata})
    assert (reply.status, reply.body) == (200, b'"X"')
    assert reply.metadata_headers["Metadata.statuscode"] == "404"
    response = await running.sdk(lambda client: client.invoke_binding("call", "get", b"", metadata))
    assert (response.data, response.binding_metadata["statusCode"]) == (b"GET", "404")


async def test_an_unsupported_operation_is_refused_first(running: RunningSidecar) -> None:
    reply = await running.post({"operation": "list"})
    assert reply.status == 500
    assert reply.json()["message"] == (
        "error invoking output binding call: binding call does not support operation list. "
        f"supported operations:{SUPPORTED}"
    )
    with pytest.raises(grpc.RpcError) as caught:
        await running.sdk(lambda client: client.invoke_binding("call", "list", b""))
    assert isinstance(caught.value, grpc.Call)
    assert caught.value.details().endswith(f"supported operations:{SUPPORTED}")


async def test_a_grpc_callers_trace_context_reaches_the_endpoint(
    running: RunningSidecar, echo: EchoServer
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.sidecar.grpc_port}") as channel:
        stub = dapr_pb2_grpc.DaprStub(channel)
        request = binding_pb2.InvokeBindingRequest(name="call", operation="get")
        trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        await stub.InvokeBinding(request, metadata=(("traceparent", trace),))
    assert echo.headers["Traceparent"] == trace


async def test_an_unreachable_endpoint_is_gos_dial_error(tmp_path: Path) -> None:
    async with http_sidecar(tmp_path, {"url": "http://127.0.0.1:1/call"}) as running:
        reply = await running.post({"operation": "create", "data": {"a": 1}})
    assert reply.status == 500
    assert reply.json()["message"] == (
        'error invoking output binding call: Post "http://127.0.0.1:1/call": '
        "dial tcp 127.0.0.1:1: connect: connection refused"
    )


# daprd (tests/integration/suite/daprd/binding/output/errors.go): an HTTP binding call to a 404
# endpoint fails, and the response metadata still comes back as `metadata.*` headers. The
# binding attaches that response to its error (HTTPInvokeError.response); both API adapters
# send it.


async def test_a_failed_call_still_sends_metadata_headers_over_http(
    running: RunningSidecar,
) -> None:
    reply = await running.post({"operation": "get", "metadata": {"X-Status-Code": "404"}})
    assert reply.status == 500
    assert reply.metadata_headers.get("Metadata.statuscode") == "404"


async def test_a_failed_call_still_sends_metadata_headers_over_grpc(
    running: RunningSidecar,
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.sidecar.grpc_port}") as channel:
        stub = dapr_pb2_grpc.DaprStub(channel)
        request = binding_pb2.InvokeBindingRequest(
            name="call", operation="get", metadata={"X-Status-Code": "404"}
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.InvokeBinding(request)
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert dict(caught.value.initial_metadata() or ()).get("metadata.statuscode") == "404"

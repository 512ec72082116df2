"""The gRPC API in process: the official Python SDK and raw stubs against our server (ref. §2)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from dapr.clients import DaprClient
from dapr.conf import settings
from dapr.proto import api_v1
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc, metadata_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from daprlite import DAPR_RUNTIME_COMPAT
from daprlite.api.core import DaprAPI
from daprlite.api.grpc import SERVICE, start_grpc_server
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError, ConfigError
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import ZERO_TRACEPARENT
from tests.api.fakes import FakeOutput
from tests.support.http_api import APIClient

BINDING = "orders"


@dataclass
class GrpcSidecar:
    port: int
    http_port: int
    binding: FakeOutput
    shutdowns: list[bool]
    stub: dapr_pb2_grpc.DaprStub


def make_api(binding: FakeOutput, shutdowns: list[bool]) -> DaprAPI:
    component = Component(BINDING, "bindings.kafka", "v1", {}, Path("c.yaml"), 1)
    store = CompStore(components=[component], outputs={BINDING: binding})
    readiness = Readiness(outbound_ready=True, app_ready=True)
    return DaprAPI(
        RunConfig("checkout", app_port=6002), store, readiness, lambda: shutdowns.append(True)
    )


@pytest.fixture
async def sidecar() -> AsyncIterator[GrpcSidecar]:
    """Our gRPC server, plus the HTTP API the SDK polls for readiness before its first call."""
    binding, shutdowns = FakeOutput(), []
    api = make_api(binding, shutdowns)
    server, port = await start_grpc_server(api, 0)
    http = APIClient(api)
    await http.start_server()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = dapr_pb2_grpc.DaprStub(channel)
            yield GrpcSidecar(port, http.port or 0, binding, shutdowns, stub)
    finally:
        await http.close()
        await server.stop(None)


@pytest.fixture
def sdk_env(sidecar: GrpcSidecar, monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK reads its settings once at import; point its health probe at our HTTP API.
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", sidecar.http_port)
    monkeypatch.setattr(settings, "DAPR_RUNTIME_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "DAPR_HEALTH_TIMEOUT", 10)


def sdk_call(sidecar: GrpcSidecar, work):  # type: ignore[no-untyped-def]
    """Run the blocking SDK in a thread, so that our server on this loop can answer it."""

    def call():  # type: ignore[no-untyped-def]
        with DaprClient(address=f"127.0.0.1:{sidecar.port}") as client:
            return work(client)

    return asyncio.wait_for(asyncio.to_thread(call), timeout=30)


async def test_sdk_invoke_binding_passes_data_verbatim(sidecar: GrpcSidecar, sdk_env) -> None:
    # Not JSON, not UTF-8, with spaces: HTTP would re-encode or refuse it; gRPC must not.
    payload = b'\xff\x00{ "b": 1,  "a": 2 }'
    response = await sdk_call(
        sidecar,
        lambda c: c.invoke_binding(BINDING, "create", payload, {"partitionKey": "k1"}),
    )
    assert response.data == b""
    # daprd's no-op span: the all-zero traceparent when the call carries no trace.
    metadata = {"partitionKey": "k1", "traceparent": ZERO_TRACEPARENT}
    assert sidecar.binding.requests == [InvokeRequest(payload, metadata, "create")]


async def test_sdk_get_metadata_lists_the_binding(sidecar: GrpcSidecar, sdk_env) -> None:
    meta = await sdk_call(sidecar, lambda c: c.get_metadata())
    assert meta.application_id == "checkout"
    [component] = meta.registered_components
    assert (component.name, component.type, component.version) == (
        BINDING,
        "bindings.kafka",
        "v1",
    )
    assert list(component.capabilities) == ["OUTPUT_BINDING"]
    assert meta.extended_metadata["daprRuntimeVersion"] == DAPR_RUNTIME_COMPAT


async def test_sdk_shutdown_calls_back(sidecar: GrpcSidecar, sdk_env) -> None:
    await sdk_call(sidecar, lambda c: c.shutdown())
    assert sidecar.shutdowns == [True]


async def test_get_metadata_shape(sidecar: GrpcSidecar) -> None:
    response = await sidecar.stub.GetMetadata(metadata_pb2.GetMetadataRequest())
    assert response.id == "checkout"
    assert response.runtime_version == DAPR_RUNTIME_COMPAT
    assert list(response.enabled_features) == ["HotReload", "WorkflowsRemoteActivityReminder"]
    connection = response.app_connection_properties
    assert (connection.port, connection.protocol, connection.channel_address) == (
        6002,
        "http",
        "127.0.0.1",
    )
    assert response.actor_runtime.runtime_status == metadata_pb2.ActorRuntime.DISABLED
    await sidecar.stub.SetMetadata(metadata_pb2.SetMetadataRequest(key="appCommand", value="x"))
    again = await sidecar.stub.GetMetadata(metadata_pb2.GetMetadataRequest())
    assert again.extended_metadata["appCommand"] == "x"


async def test_response_data_and_metadata_headers(sidecar: GrpcSidecar) -> None:
    sidecar.binding.response = InvokeResponse(
        b"\x01raw", {"offset": "7", "Bad Key": "dropped", "line": "a\nb"}
    )
    call = sidecar.stub.InvokeBinding(
        binding_pb2.InvokeBindingRequest(name=BINDING, operation="create")
    )
    response = await call
    assert response.data == b"\x01raw"
    assert dict(response.metadata) == {"offset": "7", "Bad Key": "dropped", "line": "a\nb"}
    headers = dict(await call.initial_metadata())
    assert headers["metadata.offset"] == "7"
    assert "metadata.bad key" not in headers and "metadata.line" not in headers


async def test_caller_grpc_metadata_does_not_leak_into_binding_metadata(
    sidecar: GrpcSidecar,
) -> None:
    await sidecar.stub.InvokeBinding(
        binding_pb2.InvokeBindingRequest(
            name=BINDING, operation="create", data=b"x", metadata={"k": "v"}
        ),
        metadata=(("x-custom", "1"), ("grpc-trace-bin", b"\x00\x01"), ("traceparent", "00-a")),
    )
    # Only the trace context joins the metadata (verbatim, as daprd copies call metadata).
    assert sidecar.binding.requests[0].metadata == {"k": "v", "traceparent": "00-a"}
    assert sidecar.binding.requests[0].context == {"traceparent": "00-a"}


def error_info(exc: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None
    [detail] = status.details
    info = error_details_pb2.ErrorInfo()
    assert detail.Unpack(info)
    return info


@pytest.mark.parametrize(
    ("name", "operation", "fail", "message"),
    [
        (BINDING, "create", BindingInvokeError("broker down"), "broker down"),
        (BINDING, "", None, "operation field is missing from request"),
        (
            BINDING,
            "get",
            None,
            f"binding {BINDING} does not support operation get. supported operations:create",
        ),
        ("nope", "create", None, "couldn't find output binding nope"),
        (BINDING, "create", RuntimeError("boom"), "boom"),
    ],
)
async def test_invoke_errors_are_internal_with_error_info(
    sidecar: GrpcSidecar, name: str, operation: str, fail: Exception | None, message: str
) -> None:
    sidecar.binding.fail_with = fail
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sidecar.stub.InvokeBinding(
            binding_pb2.InvokeBindingRequest(name=name, operation=operation)
        )
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert caught.value.details() == f"error invoking output binding {name}: {message}"
    info = error_info(caught.value)
    assert (info.reason, info.domain) == ("ERR_INVOKE_OUTPUT_BINDING", "dapr.io")


async def test_a_failed_call_still_sends_what_the_binding_got_back(sidecar: GrpcSidecar) -> None:
    # daprd: an http binding's 404 fails the call, and its status goes out as a header too.
    got_back = InvokeResponse(b"not here", {"statusCode": "404", "status": "404 Not Found"})
    sidecar.binding.fail_with = BindingInvokeError("received status code 404", got_back)
    call = sidecar.stub.InvokeBinding(
        binding_pb2.InvokeBindingRequest(name=BINDING, operation="create")
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    headers = dict(await call.initial_metadata())
    assert headers["metadata.statuscode"] == "404"
    assert headers["metadata.status"] == "404 Not Found"


async def test_other_rpcs_are_unimplemented_by_name(sidecar: GrpcSidecar) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sidecar.stub.GetState(api_v1.GetStateRequest(store_name="s", key="k"))
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "daprlite" in caught.value.details() and "GetState" in caught.value.details()
    # A server-streaming RPC refuses the same way.
    stream = sidecar.stub.SubscribeConfiguration(
        api_v1.SubscribeConfigurationRequest(store_name="s")
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stream.read()
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "SubscribeConfiguration" in caught.value.details()


async def test_busy_port_is_a_config_error(sidecar: GrpcSidecar) -> None:
    api = make_api(FakeOutput(), [])
    with pytest.raises(ConfigError, match=f"port {sidecar.port} is already in use"):
        await start_grpc_server(api, sidecar.port)


@pytest.fixture
async def token_stub() -> AsyncIterator[dapr_pb2_grpc.DaprStub]:
    server, port = await start_grpc_server(make_api(FakeOutput(), []), 0, token="s3cret")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield dapr_pb2_grpc.DaprStub(channel)
    finally:
        await server.stop(None)


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ((), "missing api token in request metadata"),
        ((("dapr-api-token", "wrong"),), "authentication error: api token mismatch"),
    ],
)
async def test_api_token_refusals_match_daprd(
    token_stub: dapr_pb2_grpc.DaprStub, metadata: tuple[tuple[str, str], ...], reason: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await token_stub.GetMetadata(metadata_pb2.GetMetadataRequest(), metadata=metadata)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.details() == "Unauthorized"
    info = error_info(caught.value)
    assert info.reason == "Unauthorized"
    assert dict(info.metadata) == {"http.code": "401", "http.error_message": reason}
    assert "s3cret" not in str(caught.value)


async def test_api_token_guards_streaming_rpcs_too(token_stub: dapr_pb2_grpc.DaprStub) -> None:
    stream = token_stub.SubscribeConfiguration(api_v1.SubscribeConfigurationRequest(store_name="s"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stream.read()
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_right_api_token_is_let_through(token_stub: dapr_pb2_grpc.DaprStub) -> None:
    token = (("dapr-api-token", "s3cret"),)
    response = await token_stub.GetMetadata(metadata_pb2.GetMetadataRequest(), metadata=token)
    assert response.id == "checkout"
    await token_stub.Shutdown(api_v1.ShutdownRequest(), metadata=token)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await token_stub.GetState(api_v1.GetStateRequest(store_name="s"), metadata=token)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


class ListRecorder:
    """A CallRecorder keeping (method, code, received, sent) of each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, int]] = []

    def record(self, method: str, code: int, seconds: float, received: int, sent: int) -> None:
        assert seconds >= 0
        self.calls.append((method, code, received, sent))


async def test_every_unary_call_is_recorded_refused_ones_too() -> None:
    recorder = ListRecorder()
    api = make_api(FakeOutput(), [])
    server, port = await start_grpc_server(api, 0, token="s3cret", recorder=recorder)
    token = (("dapr-api-token", "s3cret"),)
    request = binding_pb2.InvokeBindingRequest(name=BINDING, operation="create", data=b"12345")
    get_state_request = api_v1.GetStateRequest(store_name="s")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = dapr_pb2_grpc.DaprStub(channel)
            await stub.InvokeBinding(request, metadata=token)
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.InvokeBinding(request)  # no token
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.GetState(get_state_request, metadata=token)
            stream = stub.SubscribeConfiguration(api_v1.SubscribeConfigurationRequest())
            with pytest.raises(grpc.aio.AioRpcError):
                await stream.read()  # streaming RPCs are not recorded
    finally:
        await server.stop(None)
    invoke, get_state = f"/{SERVICE}/InvokeBinding", f"/{SERVICE}/GetState"
    size = request.ByteSize()
    assert recorder.calls == [
        (invoke, grpc.StatusCode.OK.value[0], size, 0),  # an empty InvokeBindingResponse
        (invoke, grpc.StatusCode.UNAUTHENTICATED.value[0], size, 0),
        (get_state, grpc.StatusCode.UNIMPLEMENTED.value[0], get_state_request.ByteSize(), 0),
    ]

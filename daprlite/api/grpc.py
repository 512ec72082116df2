"""The Dapr gRPC API (`dapr.proto.runtime.v1.Dapr`) over api/core, on the official SDK's stubs.

Bindings and secrets RPCs are served; every other RPC of the service answers UNIMPLEMENTED by
name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import grpc
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc, metadata_pb2, secret_pb2
from google.protobuf import any_pb2, empty_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from daprlite.api.core import DaprAPI
from daprlite.api.errors import APIError
from daprlite.api.grpc_auth import TokenInterceptor
from daprlite.gocompat.baggage import baggage_error
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import BindingError, ConfigError

log = logging.getLogger("daprlite.api.grpc")

_SERVED = (
    "InvokeBinding",
    "GetSecret",
    "GetBulkSecret",
    "GetMetadata",
    "SetMetadata",
    "Shutdown",
)
_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}
_HEADER_NAME = re.compile(r"^[0-9a-z_.\-]+$")
_HEADER_VALUE = re.compile(r"^[ -~]*$")


class DaprServicer(dapr_pb2_grpc.DaprServicer):
    def __init__(self, api: DaprAPI) -> None:
        self._api = api

    async def InvokeBinding(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        # Unlike HTTP, gRPC passes `data` through untouched. The caller's own gRPC call
        # metadata is deliberately not merged into the binding metadata (daprd does, and
        # it leaks user-agent and *-bin trace keys into Kafka headers).
        call_metadata = context.invocation_metadata() or ()
        incoming = trace_context(call_metadata)
        span = self._api.tracer.output(request.name, "grpc", incoming)
        metadata = span.metadata(dict(request.metadata))
        baggage = [str(value) for key, value in call_metadata if key == "baggage"]
        if baggage:
            # daprd: the call's baggage, joined and checked by Go's parser, into the metadata;
            # a bad one fails the call with the parser's plain error (code Unknown).
            joined = ",".join(baggage)
            problem = baggage_error(joined)
            if problem is not None:
                span.end(code_pb2.UNKNOWN, problem)
                await context.abort(grpc.StatusCode.UNKNOWN, problem)
            metadata = {**metadata, "baggage": joined}
        invoke = InvokeRequest(bytes(request.data), metadata, request.operation, context=incoming)
        try:
            response = await self._api.invoke_binding(request.name, invoke)
        except BindingError as exc:
            span.end(code_pb2.INTERNAL, str(exc))
            # daprd sends what the binding got back (e.g. an http call's status) even on failure.
            failed = getattr(exc, "response", None)
            if failed is not None and (headers := response_headers(failed.metadata)):
                await context.send_initial_metadata(headers)
            message = f"error invoking output binding {request.name}: {exc}"
            self._api.answered_error("ERR_INVOKE_OUTPUT_BINDING")
            await _abort(context, code_pb2.INTERNAL, message, "ERR_INVOKE_OUTPUT_BINDING")
            raise AssertionError("unreachable") from exc  # abort() always raises
        span.end(code_pb2.OK, None)
        if response is None:
            return binding_pb2.InvokeBindingResponse()
        headers = response_headers(response.metadata)
        if headers:
            await context.send_initial_metadata(headers)
        return binding_pb2.InvokeBindingResponse(
            data=response.data, metadata=dict(response.metadata)
        )

    async def GetSecret(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            secret = await self._api.get_secret(
                request.store_name, request.key, dict(request.metadata)
            )
        except APIError as exc:
            await _abort_plain(context, exc)
            raise AssertionError("unreachable") from exc  # abort() always raises
        return secret_pb2.GetSecretResponse(data=dict(secret))

    async def GetBulkSecret(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            secrets = await self._api.bulk_get_secret(request.store_name, dict(request.metadata))
        except APIError as exc:
            await _abort_plain(context, exc)
            raise AssertionError("unreachable") from exc
        return secret_pb2.GetBulkSecretResponse(
            data={
                name: secret_pb2.SecretResponse(secrets=dict(secret))
                for name, secret in secrets.items()
            }
        )

    async def GetMetadata(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return metadata_response(self._api.metadata())

    async def SetMetadata(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        if request.key:
            self._api.set_metadata(request.key, request.value)
        return empty_pb2.Empty()

    async def Shutdown(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        self._api.request_shutdown()
        return empty_pb2.Empty()


def _unimplemented(rpc: str) -> Callable[..., Awaitable[Any]]:
    async def refuse(self: DaprServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            f"daprlite does not implement {rpc}: it serves the Dapr bindings and secrets APIs only "
            f"({', '.join(_SERVED)})",
        )

    return refuse


for _rpc in dir(dapr_pb2_grpc.DaprServicer):
    if _rpc[0].isupper() and _rpc not in _SERVED:
        setattr(DaprServicer, _rpc, _unimplemented(_rpc))


def trace_context(call_metadata: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """The W3C trace context the caller sent (`traceparent`, `tracestate`), if any."""
    return {key: str(value) for key, value in call_metadata if key in ("traceparent", "tracestate")}


def response_headers(metadata: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A binding's response metadata as `metadata.<key>` gRPC headers, as daprd sends them.

    Keys gRPC cannot carry (upper case is folded; other characters, `-bin` suffixes) and values
    that are not printable ASCII are left out rather than failing the call.
    """
    headers = []
    for key, value in metadata.items():
        name = f"metadata.{key}".lower()
        if _HEADER_NAME.match(name) and not name.endswith("-bin") and _HEADER_VALUE.match(value):
            headers.append((name, value))
    return tuple(headers)


def metadata_response(document: dict[str, Any]) -> Any:
    """The JSON document of GET /v1.0/metadata, as the GetMetadataResponse message."""
    connection = document.get("appConnectionProperties", {})
    return metadata_pb2.GetMetadataResponse(
        id=document["id"],
        runtime_version=document["runtimeVersion"],
        enabled_features=document.get("enabledFeatures", []),
        registered_components=[
            metadata_pb2.RegisteredComponents(
                name=c["name"],
                type=c["type"],
                version=c.get("version", ""),
                capabilities=c.get("capabilities", []),
            )
            for c in document.get("components", [])
        ],
        extended_metadata=document.get("extended", {}),
        app_connection_properties=metadata_pb2.AppConnectionProperties(
            port=connection.get("port", 0),
            protocol=connection.get("protocol", ""),
            channel_address=connection.get("channelAddress", ""),
        ),
        # Actors are not part of daprlite; daprd reports this when no placement is configured.
        actor_runtime=metadata_pb2.ActorRuntime(
            runtime_status=metadata_pb2.ActorRuntime.DISABLED, host_ready=False
        ),
    )


async def _abort_plain(context: grpc.aio.ServicerContext, error: APIError) -> None:
    """Abort with the code and message alone: daprd's secrets errors carry no details."""
    await context.abort(_STATUS_CODES.get(error.grpc_code, grpc.StatusCode.INTERNAL), error.message)


async def _abort(context: grpc.aio.ServicerContext, code: int, message: str, reason: str) -> None:
    """Abort with a rich status carrying Dapr's ErrorInfo, as daprd 1.15+ does."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain="dapr.io"))
    status = rpc_status.to_status(status_pb2.Status(code=code, message=message, details=[info]))
    await context.abort(status.code, status.details, status.trailing_metadata)


async def start_grpc_server(
    api: DaprAPI, port: int, token: str | None = None, outer: tuple[Any, ...] = ()
) -> tuple[Any, int]:
    """Serve on 127.0.0.1:`port` (0: any free port); return the server and its real port.
    `outer`: interceptors run before the token check (metrics count refused calls too)."""
    interceptors = [*outer, *([TokenInterceptor(token)] if token else [])]
    # gRPC sets SO_REUSEPORT by default, which would let two sidecars share one port and split
    # the calls between them; a busy port must be an error instead.
    server = grpc.aio.server(interceptors=interceptors, options=[("grpc.so_reuseport", 0)])
    dapr_pb2_grpc.add_DaprServicer_to_server(DaprServicer(api), server)  # type: ignore[no-untyped-call]
    try:
        # Depending on the grpcio version a failed bind returns 0 or raises RuntimeError.
        bound = server.add_insecure_port(f"127.0.0.1:{port}")
    except RuntimeError:
        bound = 0
    if bound == 0:
        raise ConfigError(
            f"port {port} is already in use on 127.0.0.1; pick another --dapr-grpc-port or "
            "leave the flag out to get a free one"
        )
    await server.start()
    log.info("API gRPC server is running on port %d", bound)
    return server, bound

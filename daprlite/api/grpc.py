"""The Dapr gRPC API (`dapr.proto.runtime.v1.Dapr`) over api/core, on our own HTTP/2 server.

Bindings and secrets RPCs are served; every other RPC of the service answers UNIMPLEMENTED by
name. Messages are the official SDK's generated protobuf classes; the transport is grpc_wire.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2, metadata_pb2, secret_pb2
from google.protobuf import empty_pb2
from google.protobuf.message import DecodeError
from google.rpc import code_pb2

from daprlite.api.core import DaprAPI
from daprlite.api.errors import APIError
from daprlite.api.grpc_auth import token_refusal
from daprlite.api.grpc_errors import rich_error
from daprlite.api.grpc_wire import Call, GrpcError, GrpcServer, Handler, serve
from daprlite.gocompat.baggage import baggage_error
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import BindingError

log = logging.getLogger("daprlite.api.grpc")

SERVICE = "dapr.proto.runtime.v1.Dapr"
_SERVED = (
    "InvokeBinding",
    "GetSecret",
    "GetBulkSecret",
    "GetMetadata",
    "SetMetadata",
    "Shutdown",
)
_HEADER_NAME = re.compile(r"^[0-9a-z_.\-]+$")
_HEADER_VALUE = re.compile(r"^[ -~]*$")
_EMPTY: bytes = empty_pb2.Empty().SerializeToString()
_NO_BINDING_RESPONSE: bytes = binding_pb2.InvokeBindingResponse().SerializeToString()


class CallRecorder(Protocol):
    """Told of every unary call once it is answered (observability's gRPC server metrics)."""

    def record(self, method: str, code: int, seconds: float, received: int, sent: int) -> None: ...


class DaprService:
    """Routes `/dapr.proto.runtime.v1.Dapr/<Method>` calls to the handlers below."""

    def __init__(
        self, api: DaprAPI, token: str | None = None, recorder: CallRecorder | None = None
    ) -> None:
        self._api, self._token = api, token
        served: dict[str, Handler] = {
            "InvokeBinding": self.invoke_binding,
            "GetSecret": self.get_secret,
            "GetBulkSecret": self.get_bulk_secret,
            "GetMetadata": self.get_metadata,
            "SetMetadata": self.set_metadata,
            "Shutdown": self.shutdown,
        }
        self._unary: dict[str, Handler] = {}
        self._streaming: set[str] = set()
        for method in dapr_pb2.DESCRIPTOR.services_by_name["Dapr"].methods:
            path = f"/{SERVICE}/{method.name}"
            if method.client_streaming or method.server_streaming:
                self._streaming.add(path)
                continue
            handler = served.get(method.name) or _unimplemented(method.name)
            if token:
                handler = _guarded(token, handler)
            if recorder is not None:  # outside the guard: refused calls are counted too
                handler = _recorded(recorder, path, handler)
            self._unary[path] = handler

    def route(self, method: str, call: Call) -> Handler | GrpcError:
        handler = self._unary.get(method)
        if handler is not None:
            return handler
        if method not in self._streaming:
            return GrpcError(code_pb2.UNIMPLEMENTED, f"unknown method {method}")
        # Streaming RPCs are all refused before their request is read (no metrics, as before).
        refusal = token_refusal(self._token, call)
        if refusal is not None:
            return refusal
        return GrpcError(code_pb2.UNIMPLEMENTED, _unimplemented_message(method.rsplit("/")[-1]))

    async def invoke_binding(self, raw: bytes, call: Call) -> bytes:
        request = _parse(binding_pb2.InvokeBindingRequest, raw)
        # Unlike HTTP, gRPC passes `data` through untouched. The caller's own gRPC call
        # metadata is deliberately not merged into the binding metadata (daprd does, and
        # it leaks user-agent and *-bin trace keys into Kafka headers).
        incoming = trace_context(call.metadata)
        span = self._api.tracer.output(request.name, "grpc", incoming)
        metadata = span.metadata(dict(request.metadata))
        baggage = call.get("baggage")
        if baggage:
            # daprd: the call's baggage, joined and checked by Go's parser, into the metadata;
            # a bad one fails the call with the parser's plain error (code Unknown).
            joined = ",".join(baggage)
            problem = baggage_error(joined)
            if problem is not None:
                span.end(code_pb2.UNKNOWN, problem)
                raise GrpcError(code_pb2.UNKNOWN, problem)
            metadata = {**metadata, "baggage": joined}
        invoke = InvokeRequest(request.data, metadata, request.operation, context=incoming)
        try:
            response = await self._api.invoke_binding(request.name, invoke)
        except BindingError as exc:
            span.end(code_pb2.INTERNAL, str(exc))
            # daprd sends what the binding got back (e.g. an http call's status) even on failure.
            failed = getattr(exc, "response", None)
            if failed is not None:
                call.initial_metadata = response_headers(failed.metadata)
            self._api.answered_error("ERR_INVOKE_OUTPUT_BINDING")
            message = f"error invoking output binding {request.name}: {exc}"
            raise rich_error(code_pb2.INTERNAL, message, "ERR_INVOKE_OUTPUT_BINDING") from exc
        span.end(code_pb2.OK, None)
        if response is None:
            return _NO_BINDING_RESPONSE
        call.initial_metadata = response_headers(response.metadata)
        answer = binding_pb2.InvokeBindingResponse(data=response.data, metadata=response.metadata)
        return _wire(answer)

    async def get_secret(self, raw: bytes, call: Call) -> bytes:
        request = _parse(secret_pb2.GetSecretRequest, raw)
        try:
            secret = await self._api.get_secret(
                request.store_name, request.key, dict(request.metadata)
            )
        except APIError as exc:
            raise _plain_error(exc) from exc
        return _wire(secret_pb2.GetSecretResponse(data=dict(secret)))

    async def get_bulk_secret(self, raw: bytes, call: Call) -> bytes:
        request = _parse(secret_pb2.GetBulkSecretRequest, raw)
        try:
            secrets = await self._api.bulk_get_secret(request.store_name, dict(request.metadata))
        except APIError as exc:
            raise _plain_error(exc) from exc
        response = secret_pb2.GetBulkSecretResponse(
            data={
                name: secret_pb2.SecretResponse(secrets=dict(secret))
                for name, secret in secrets.items()
            }
        )
        return _wire(response)

    async def get_metadata(self, raw: bytes, call: Call) -> bytes:
        return _wire(metadata_response(self._api.metadata()))

    async def set_metadata(self, raw: bytes, call: Call) -> bytes:
        request = _parse(metadata_pb2.SetMetadataRequest, raw)
        if request.key:
            self._api.set_metadata(request.key, request.value)
        return _EMPTY

    async def shutdown(self, raw: bytes, call: Call) -> bytes:
        self._api.request_shutdown()
        return _EMPTY


def _unimplemented_message(rpc: str) -> str:
    return (
        f"daprlite does not implement {rpc}: it serves the Dapr bindings and secrets APIs only "
        f"({', '.join(_SERVED)})"
    )


def _unimplemented(rpc: str) -> Handler:
    async def refuse(raw: bytes, call: Call) -> bytes:
        raise GrpcError(code_pb2.UNIMPLEMENTED, _unimplemented_message(rpc))

    return refuse


def _guarded(token: str, handler: Handler) -> Handler:
    async def guarded(raw: bytes, call: Call) -> bytes:
        refusal = token_refusal(token, call)
        if refusal is not None:
            raise refusal
        return await handler(raw, call)

    return guarded


def _recorded(recorder: CallRecorder, method: str, handler: Handler) -> Handler:
    async def recorded(raw: bytes, call: Call) -> bytes:
        started = time.perf_counter()
        code, sent = code_pb2.UNKNOWN, 0
        try:
            response = await handler(raw, call)
            code, sent = code_pb2.OK, len(response)
            return response
        except GrpcError as error:
            code = error.code
            raise
        except asyncio.CancelledError:
            code = code_pb2.CANCELLED  # the caller reset the stream (or hung up)
            raise
        finally:
            recorder.record(method, code, time.perf_counter() - started, len(raw), sent)

    return recorded


def _wire(message: Any) -> bytes:
    return bytes(message.SerializeToString())


def _parse(message_type: Any, raw: bytes) -> Any:
    try:
        return message_type.FromString(raw)
    except DecodeError as exc:
        raise GrpcError(code_pb2.INTERNAL, f"grpc: error unmarshalling request: {exc}") from exc


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


def _plain_error(error: APIError) -> GrpcError:
    """The code and message alone: daprd's secrets errors carry no details."""
    return GrpcError(error.grpc_code, error.message)


async def start_grpc_server(
    api: DaprAPI, port: int, token: str | None = None, recorder: CallRecorder | None = None
) -> tuple[GrpcServer, int]:
    """Serve on 127.0.0.1:`port` (0: any free port); return the server and its real port.
    `recorder`: told of every unary call, refused ones included."""
    return await serve(DaprService(api, token, recorder), port)

"""`dapr_grpc_io_server_*` for the Dapr gRPC API: one server interceptor, installed only when
metrics are on. Status names are Go's (`codes.Code.String()`: OK, InvalidArgument, ...)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from daprlite.observability.metrics import Metrics


def _go_name(code: grpc.StatusCode) -> str:
    # Go writes OK in capitals and every other code in CamelCase (InvalidArgument).
    if code is grpc.StatusCode.OK:
        return "OK"
    return "".join(part.capitalize() for part in code.name.split("_"))


_STATUS = {code: _go_name(code) for code in grpc.StatusCode}


def go_status_name(code: grpc.StatusCode) -> str:
    """`code` as Go's `codes.Code.String()` writes it, the label value daprd records."""
    return _STATUS.get(code, "Unknown")


class MetricsInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Wraps unary-unary handlers (every RPC the Dapr API serves); others pass untouched."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: Any
    ) -> Any:
        handler = await continuation(details)
        if handler is None or handler.request_streaming or handler.response_streaming:
            return handler
        return grpc.unary_unary_rpc_method_handler(
            self._wrap(handler.unary_unary, details.method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _wrap(self, call: Any, method: str) -> Callable[[Any, Any], Awaitable[Any]]:
        m = self._metrics
        app_id = m.app_id
        sized = (app_id, method)

        async def recorded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            code, sent = grpc.StatusCode.UNKNOWN, 0
            try:
                response = await call(request, context)
                code = grpc.StatusCode.OK
                sent = _size(response)
                return response
            except BaseException:
                # abort() raises; the code it set is on the context.
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            finally:
                if not isinstance(code, grpc.StatusCode):
                    code = _from_int(code)
                labels = (app_id, method, _STATUS.get(code, "Unknown"))
                m.grpc_count.inc(labels)
                m.grpc_latency.observe(labels, (time.perf_counter() - started) * 1000.0)
                m.grpc_received.observe(sized, float(_size(request)))
                m.grpc_sent.observe(sized, float(sent))

        return recorded


def _size(message: Any) -> int:
    # ByteSize() is computed in C by protobuf's upb: no serialisation happens.
    byte_size = getattr(message, "ByteSize", None)
    return int(byte_size()) if byte_size is not None else 0


def _from_int(value: Any) -> grpc.StatusCode:
    for code in grpc.StatusCode:
        if code.value[0] == value:
            return code
    return grpc.StatusCode.UNKNOWN

"""The `DAPR_API_TOKEN` check of the gRPC API: a server interceptor answering as daprd does.

daprd's refusal is UNAUTHENTICATED "Unauthorized" with an ErrorInfo naming HTTP 401 and the reason.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

TOKEN_KEY = "dapr-api-token"


class TokenInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """With DAPR_API_TOKEN set, every call must carry it as `dapr-api-token` metadata."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: Any
    ) -> Any:
        handler = await continuation(details)
        if handler is None:  # unknown service or method: gRPC answers UNIMPLEMENTED itself
            return None
        given = [v for k, v in details.invocation_metadata or () if k == TOKEN_KEY]
        if not given:
            return _refusing(handler, "missing api token in request metadata")
        if not hmac.compare_digest(str(given[0]).encode(), self._token):
            return _refusing(handler, "authentication error: api token mismatch")
        return handler


def _refusing(handler: Any, reason: str) -> Any:
    """A handler of the same shape as `handler` (unary or streaming) that only refuses."""

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> None:
        info = any_pb2.Any()
        info.Pack(
            error_details_pb2.ErrorInfo(
                reason="Unauthorized",
                domain="dapr.io",
                # daprd truncates the detail to the 63 characters ErrorInfo values may hold.
                metadata={"http.code": "401", "http.error_message": reason[:63]},
            )
        )
        status = rpc_status.to_status(
            status_pb2.Status(code=code_pb2.UNAUTHENTICATED, message="Unauthorized", details=[info])
        )
        await context.abort(status.code, status.details, status.trailing_metadata)

    kinds = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }
    make = kinds[(bool(handler.request_streaming), bool(handler.response_streaming))]
    return make(
        refuse,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )

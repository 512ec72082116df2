"""The `DAPR_API_TOKEN` check of the gRPC API, answering as daprd does.

daprd's refusal is UNAUTHENTICATED "Unauthorized" with an ErrorInfo naming HTTP 401 and the reason.
"""

from __future__ import annotations

import hmac

from google.rpc import code_pb2

from daprlite.api.grpc_errors import rich_error
from daprlite.api.grpc_wire import Call, GrpcError

TOKEN_KEY = "dapr-api-token"


def token_refusal(token: str | None, call: Call) -> GrpcError | None:
    """None when `token` is unset or the call carries it as `dapr-api-token` metadata."""
    if token is None:
        return None
    given = call.get(TOKEN_KEY)
    if not given:
        return _refusal("missing api token in request metadata")
    if not hmac.compare_digest(given[0].encode(), token.encode()):
        return _refusal("authentication error: api token mismatch")
    return None


def _refusal(reason: str) -> GrpcError:
    # daprd truncates the detail to the 63 characters ErrorInfo values may hold.
    details = {"http.code": "401", "http.error_message": reason[:63]}
    return rich_error(code_pb2.UNAUTHENTICATED, "Unauthorized", "Unauthorized", details)

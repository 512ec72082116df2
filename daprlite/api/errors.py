"""Dapr API errors: an HTTP status, a Dapr error code and a message, rendered as daprd renders
them (`{"errorCode":…,"message":…}`, compact, HTML-escaped, no trailing newline).
"""

from __future__ import annotations

from dataclasses import dataclass

from daprlite.gocompat.json import encode
from daprlite.gocompat.strconv import quote as go_quote


@dataclass(frozen=True, slots=True)
class APIError(Exception):
    """Raised by the API core and adapters; each transport renders it in its own way."""

    http_status: int
    error_code: str
    message: str
    # The google.rpc code daprd's gRPC API answers with (13: INTERNAL).
    grpc_code: int = 13

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"

    def to_json(self) -> bytes:
        # daprd's error struct keeps its field order, so no key sorting here.
        return encode({"errorCode": self.error_code, "message": self.message}, sort_keys=False)


def malformed_request(detail: str) -> APIError:
    return APIError(400, "ERR_MALFORMED_REQUEST", f"failed deserializing HTTP body: {detail}")


def malformed_request_plain(message: str) -> APIError:
    """ERR_MALFORMED_REQUEST with daprd's message as is (e.g. a refused baggage header)."""
    return APIError(400, "ERR_MALFORMED_REQUEST", message)


def body_read(detail: str) -> APIError:
    return APIError(400, "ERR_BODY_READ", f"failed to read request body: {detail}")


def invoke_output_binding(name: str, detail: str) -> APIError:
    return APIError(
        500, "ERR_INVOKE_OUTPUT_BINDING", f"error invoking output binding {name}: {detail}"
    )


def health_not_ready(unhealthy_targets: list[str]) -> APIError:
    # Go prints the target slice with %v: "[runtime]", names separated by spaces.
    return APIError(
        500, "ERR_HEALTH_NOT_READY", f"dapr is not ready: [{' '.join(unhealthy_targets)}]"
    )


def health_app_id_mismatch() -> APIError:
    return APIError(500, "ERR_HEALTH_APPID_NOT_MATCH", "dapr app-id does not match")


def outbound_health_not_ready() -> APIError:
    return APIError(500, "ERR_OUTBOUND_HEALTH_NOT_READY", "dapr outbound is not ready")


def direct_invoke_no_app_id() -> APIError:
    """daprd's answer for a route it does not know: its fallback is service invocation, which
    finds no target app (no `dapr-app-id` header) and gives up with 404."""
    return APIError(
        404,
        "ERR_DIRECT_INVOKE",
        "failed getting app id either from the URL path or the header dapr-app-id",
    )


def api_not_implemented(method: str, path: str) -> APIError:
    """A Dapr API that daprd has and daprlite does not (state, pub/sub, invoke, …).

    daprd would serve these; answering with its "no app id" fallback would mislead, so daprlite
    says what is missing. The code is daprd's own for an unimplemented API.
    """
    return APIError(
        404,
        "ERR_API_UNIMPLEMENTED",
        f"daprlite does not implement {method} {path}: only the bindings, secrets, metadata, "
        "health and shutdown APIs are available",
    )


# google.rpc codes daprd's secrets API answers with.
_INVALID_ARGUMENT, _FAILED_PRECONDITION, _PERMISSION_DENIED, _INTERNAL = 3, 9, 7, 13


def secret_stores_not_configured() -> APIError:
    return APIError(
        500,
        "ERR_SECRET_STORES_NOT_CONFIGURED",
        "secret store is not configured",
        _FAILED_PRECONDITION,
    )


def secret_store_not_found(store: str) -> APIError:
    # daprd answers 401 here, not 404.
    return APIError(
        401,
        "ERR_SECRET_STORE_NOT_FOUND",
        f"failed finding secret store with key {store}",
        _INVALID_ARGUMENT,
    )


def secret_permission_denied(key: str, store: str) -> APIError:
    return APIError(
        403,
        "ERR_PERMISSION_DENIED",
        f"access denied by policy to get {go_quote(key)} from {go_quote(store)}",
        _PERMISSION_DENIED,
    )


def secret_get(key: str, store: str, detail: str) -> APIError:
    return APIError(
        500,
        "ERR_SECRET_GET",
        f"failed getting secret with key {key} from secret store {store}: {detail}",
        _INTERNAL,
    )


def bulk_secret_get(store: str, detail: str) -> APIError:
    return APIError(
        500,
        "ERR_SECRET_GET",
        f"failed getting secrets from secret store {store}: {detail}",
        _INTERNAL,
    )


def internal(detail: str) -> APIError:
    """An unexpected failure inside daprlite; the traceback goes to the log, not the client."""
    return APIError(500, "ERR_INTERNAL", f"internal error: {detail}")

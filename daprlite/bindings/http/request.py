"""From a binding request to the HTTP request daprd's HTTP binding would send (no I/O here).

The operation is the method (`create` is POST); request metadata `path` extends the
component's `url`; every metadata key that starts with an ASCII capital letter is a header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from daprlite.bindings.http.settings import HTTPSettings, truthy
from daprlite.gocompat.headers import canonical_mime_header_key
from daprlite.model.contracts import InvokeRequest

log = logging.getLogger("daprlite.bindings.http")

OPERATIONS = ("create", "get", "head", "post", "put", "patch", "delete", "options", "trace")
_WITH_BODY = frozenset({"PUT", "POST", "PATCH"})
_WITHOUT_BODY = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE"})
_JSON = "application/json; charset=utf-8"
_TRACE_KEYS = ("traceparent", "tracestate", "baggage")


@dataclass(frozen=True, slots=True)
class Outgoing:
    method: str
    url: str
    headers: dict[str, str]  # Go's Header map: canonical names, one value each
    body: bytes | None  # None for the methods that send none
    error_if_not_2xx: bool


class InvalidOperation(Exception):
    pass


def build(request: InvokeRequest, settings: HTTPSettings) -> Outgoing:
    metadata = request.metadata
    method = request.operation.upper()
    if method == "CREATE":  # kept for backward compatibility by daprd
        method = "POST"
    if method not in _WITH_BODY and method not in _WITHOUT_BODY:
        raise InvalidOperation(f"invalid operation: {request.operation}")
    body = request.data if method in _WITH_BODY else None
    error_if_not_2xx = settings.error_if_not_2xx
    if metadata.get("errorIfNot2XX"):  # this exact spelling only, as in daprd
        error_if_not_2xx = truthy(metadata["errorIfNot2XX"])
    return Outgoing(
        method=method,
        url=target_url(settings.url, metadata.get("path", "")),
        headers=headers(request, settings, has_body=body is not None),
        body=body,
        error_if_not_2xx=error_if_not_2xx,
    )


def target_url(base: str, path: str) -> str:
    """daprd joins by text, so a query string in `url` swallows the path (`/x?a=1/p`)."""
    if not path:
        return base
    return base.rstrip("/") + "/" + path.lstrip("/")


def headers(request: InvokeRequest, settings: HTTPSettings, *, has_body: bool) -> dict[str, str]:
    metadata = request.metadata
    out: dict[str, str] = {}
    if has_body:
        out["Content-Type"] = _JSON
    out["Accept"] = _JSON
    if settings.security_token and settings.security_token_header:
        out[canonical_mime_header_key(settings.security_token_header)] = settings.security_token
    for key, value in metadata.items():
        if key[:1].isascii() and key[:1].isupper():
            out[canonical_mime_header_key(key)] = value
    for key in _TRACE_KEYS:
        # The caller's trace context wins, as daprd's gRPC API copies it over the metadata.
        value = request.context.get(key) or metadata.get(key, "")
        if not value:
            continue
        name = canonical_mime_header_key(key)
        if name in out:
            log.warning(
                "Tracing is enabled. A custom %s request header cannot be specified and is "
                "ignored.",
                name,
            )
        out[name] = value
    return out

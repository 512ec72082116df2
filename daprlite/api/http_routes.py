"""daprd's HTTP rules for the bindings and secrets routes, the API token and path cleaning,
without a server.

An HTTP adapter hands over what it read (raw request target, limited body, headers) and writes
the Reply back as it is, so every server gives the same answers. Headers are looked up by
lower-case name: pass a case-insensitive mapping (aiohttp's, multidict's) or lower-case keys.
"""

from __future__ import annotations

import dataclasses
import hmac
import posixpath
import re
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from daprlite.api import errors
from daprlite.api.binding_request import decode_output_binding_request
from daprlite.api.core import DaprAPI
from daprlite.api.errors import APIError
from daprlite.gocompat.baggage import baggage_error
from daprlite.gocompat.headers import canonical_mime_header_key, is_token
from daprlite.gocompat.json import GoJSONError, encode
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingError
from daprlite.model.tracing import trace_context
from daprlite.serving.message import Reply

JSON = "application/json"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# daprd leaves only these open without a token, so that orchestrators can probe them.
_TOKEN_EXEMPT = frozenset({"/v1.0/healthz", "/v1.0/healthz/outbound"})


NO_CONTENT = Reply(204)


def error_reply(exc: APIError) -> Reply:
    return Reply(exc.http_status, body=exc.to_json(), content_type=JSON)


def plain_reply(status: int, message: str) -> Reply:
    """The shape of Go's http.Error: plain text, newline-terminated, nosniff."""
    return Reply(
        status,
        (("X-Content-Type-Options", "nosniff"),),
        (message + "\n").encode(),
        "text/plain; charset=utf-8",
    )


_INVALID_TOKEN = plain_reply(401, "invalid api token")


class PlainError(Exception):
    """A failure daprd reports as plain text (from its router, before any API handler)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def reply(self) -> Reply:
        return plain_reply(self.status, str(self))


async def invoke_binding(
    api: DaprAPI,
    raw_target: str,
    body: bytes,
    truncated: bool,
    headers: Mapping[str, str],
    method: str = "POST",
) -> Reply:
    """`POST|PUT /v1.0/bindings/{name}` as daprd answers it.

    `raw_target` is the request target exactly as sent (origin or absolute form); `body` is at
    most the size limit, and `truncated` says whether the client sent more than that. Every
    outcome daprd defines comes back as a Reply; an exception is a daprlite bug, for the
    adapter's catch-all (ERR_INTERNAL).
    """
    try:
        name = route_parameter(raw_target, "name")
    except PlainError as exc:
        return exc.reply()
    try:
        decoded = decode_output_binding_request(body)
    except GoJSONError as exc:
        # daprd's limit reader hands the decoder the first `limit` bytes, then fails the next
        # read: a value that ends within the limit is used, one that does not is this error.
        incomplete = str(exc) in ("EOF", "unexpected EOF")
        detail = "stream too large" if truncated and incomplete else str(exc)
        return _error(api, errors.malformed_request(detail))
    context = trace_context(headers)
    span = api.tracer.output(
        name, "http", context, lambda: _span_details(method, raw_target, headers)
    )
    metadata = span.metadata(decoded.metadata)
    if "baggage" in headers:
        # daprd joins every baggage header, refuses it if Go's parser finds fault, and else
        # passes it on in the binding's metadata (so into a Kafka header), tracing on or off.
        baggage = ",".join(_all_values(headers, "baggage"))
        problem = baggage_error(baggage)
        if problem is not None:
            refused = _error(
                api, errors.malformed_request_plain(f"invalid baggage header: {problem}")
            )
            span.end(refused.status, refused.body.decode("utf-8", "replace"))
            return refused
        metadata = {**metadata, "baggage": baggage}
    request = InvokeRequest(
        data=decoded.data,
        metadata=metadata,
        operation=decoded.operation,
        context=context,
    )
    reply = await _invoke(api, name, request)
    span.end(reply.status, None if reply.status < 400 else reply.body.decode("utf-8", "replace"))
    traced = span.response_headers()
    return dataclasses.replace(reply, headers=reply.headers + traced) if traced else reply


async def _invoke(api: DaprAPI, name: str, request: InvokeRequest) -> Reply:
    try:
        response = await api.invoke_binding(name, request)
    except BindingError as exc:
        failed = _error(api, errors.invoke_output_binding(name, str(exc)))
        # daprd sends what the binding got back (an http call's status) with the error too.
        got_back = getattr(exc, "response", None)
        if got_back is None:
            return failed
        return dataclasses.replace(failed, headers=metadata_headers(got_back.metadata))
    return binding_reply(response)


def _all_values(headers: Mapping[str, str], name: str) -> list[str]:
    getall = getattr(headers, "getall", None)  # a multidict keeps repeated headers
    return list(getall(name)) if getall is not None else [headers[name]]


def _error(api: DaprAPI, exc: APIError) -> Reply:
    api.answered_error(exc.error_code)
    return error_reply(exc)


def _span_details(method: str, raw_target: str, headers: Mapping[str, str]) -> dict[str, str]:
    """The HTTP attributes daprd puts on a sampled span (semconv 1.25 keys), and every
    `dapr-*` header but the API token."""
    host = headers.get("host", "")
    address, _, port = host.rpartition(":") if ":" in host else (host, "", "")
    details = {
        "http.request.method": method,
        "url.full": f"http://{host}{raw_target}" if raw_target.startswith("/") else raw_target,
        "server.address": address,
    }
    if port:
        details["server.port"] = port
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith("dapr-") and lowered != "dapr-api-token":
            details[lowered] = value
    return details


def binding_reply(response: InvokeResponse | None) -> Reply:
    """204 for no response; else 200 with the data and one `metadata.<key>` header per entry."""
    if response is None:
        return NO_CONTENT
    return Reply(200, metadata_headers(response.metadata), response.data, JSON)


def metadata_headers(metadata: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    headers = []
    for key, value in metadata.items():
        name = f"metadata.{key}"
        # Go's server leaves out a header whose name is not an HTTP token instead of failing,
        # and turns line breaks in values into spaces.
        if is_token(name):
            value = value.replace("\r", " ").replace("\n", " ")
            headers.append((canonical_mime_header_key(name), value))
    return tuple(headers)


async def get_secret(api: DaprAPI, raw_target: str, raw_query: str) -> Reply:
    """`GET /v1.0/secrets/{store}/{key}`: the secret's keys and values as a JSON object."""
    try:
        raw_store, raw_key = path_segments(raw_target)[-2:]
        store = query_unescape(raw_store, "secretStoreName")
        key = query_unescape(raw_key, "key")
    except PlainError as exc:
        return exc.reply()
    try:
        secret = await api.get_secret(store, key, metadata_query(raw_query))
    except APIError as exc:
        return error_reply(exc)
    return json_reply(dict(secret))


async def bulk_get_secret(api: DaprAPI, raw_target: str, raw_query: str) -> Reply:
    """`GET /v1.0/secrets/{store}/bulk`: every secret the store gives out, by name."""
    try:
        store = query_unescape(path_segments(raw_target)[-2], "secretStoreName")
    except PlainError as exc:
        return exc.reply()
    try:
        secrets = await api.bulk_get_secret(store, metadata_query(raw_query))
    except APIError as exc:
        return error_reply(exc)
    return json_reply({name: dict(secret) for name, secret in secrets.items()})


def json_reply(value: object) -> Reply:
    """Go's json.Encoder output (sorted keys, HTML-safe, a newline at the end), as daprd sends
    a handler's plain (non-proto) result."""
    return Reply(200, body=encode(value) + b"\n", content_type=JSON)


def metadata_query(raw_query: str) -> dict[str, str]:
    """The `metadata.<key>=<value>` query parameters, prefix dropped, first value kept.

    Go's url.ParseQuery drops a pair holding `;` or a bad escape rather than failing.
    """
    found: dict[str, str] = {}
    for pair in raw_query.split("&"):
        if not pair or ";" in pair:
            continue
        raw_name, _, raw_value = pair.partition("=")
        try:
            name, value = query_unescape(raw_name, ""), query_unescape(raw_value, "")
        except PlainError:
            continue
        if name.startswith("metadata.") and name[9:] not in found:
            found[name[9:]] = value
    return found


def authorize(
    method: str, path: str, headers: Mapping[str, str], token: str | None
) -> Reply | None:
    """None when the request may go on; daprd's plain-text 401 when its `dapr-api-token` is
    missing or wrong. `path` is the decoded request path, before cleaning."""
    if not token:
        return None
    if method == "GET" and path.rstrip("/") in _TOKEN_EXEMPT:
        return None
    given = headers.get("dapr-api-token", "")
    # Servers hand over header bytes that are not UTF-8 as surrogates (aiohttp does);
    # surrogateescape turns them back into those bytes, so they compare unequal like any other
    # wrong token instead of failing to encode.
    if hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode()):
        return None
    return _INVALID_TOKEN


def clean_path(raw: str) -> str:
    """The path daprd routes on: `/v1.0//bindings/./x/` is `/v1.0/bindings/x`."""
    # normpath keeps a leading `//` (POSIX gives it a meaning); Go's path.Clean does not.
    return "/" + posixpath.normpath(raw).lstrip("/")


def route_parameter(raw_target: str, parameter: str) -> str:
    """The last path segment of the target, unescaped as daprd's router does. Raises PlainError."""
    return query_unescape(last_segment(raw_target), parameter)


def last_segment(raw_target: str) -> str:
    """The last path segment as the client sent it: %2F must stay an escape, not a separator."""
    return path_segments(raw_target)[-1]


def path_segments(raw_target: str) -> list[str]:
    """The path's segments as the client sent them (one trailing slash dropped, as daprd does)."""
    path = raw_target.split("?", 1)[0]
    if not path.startswith("/"):  # absolute form, `http://host/path`: drop scheme and host
        _, _, rest = path.partition("//")
        path = "/" + rest.partition("/")[2]
    return path.removesuffix("/").split("/")


def query_unescape(raw: str, parameter: str) -> str:
    """Go's url.QueryUnescape (`+` is a space); a bad escape is daprd's plain-text 400."""
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        escape = raw[bad.start() : bad.start() + 3]
        raise PlainError(
            400,
            f'failed to unescape request parameter "{parameter}". '
            f'Error: invalid URL escape "{escape}"',
        )
    return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8", "replace")

"""The Dapr HTTP API on aiohttp: bindings, metadata, health and shutdown routes over api/core.

Handlers only decode, call DaprAPI and render; every failure leaves as Dapr's error JSON.
"""

from __future__ import annotations

import hmac
import logging
import posixpath
import re
from urllib.parse import unquote_to_bytes

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from daprlite.api import errors
from daprlite.api.binding_request import decode_output_binding_request
from daprlite.api.core import DaprAPI
from daprlite.api.errors import APIError
from daprlite.gocompat.headers import canonical_mime_header_key, is_token
from daprlite.gocompat.json import GoJSONError, encode
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingError

log = logging.getLogger("daprlite.api.http")

_API = web.AppKey("dapr_api", DaprAPI)
_MAX_BODY = web.AppKey("max_body_bytes", int)
_BINDINGS = "/v1.0/bindings/"
# Route groups daprlite serves; any other /v1.0/<group>/... is a Dapr API it does not have.
_SERVED_GROUPS = frozenset({"bindings", "healthz", "metadata", "shutdown"})
_API_PATH = re.compile(r"^/v1\.0(?:-alpha1|-beta1)?/([^/]+)")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_JSON = "application/json"


def build_http_app(
    api: DaprAPI, *, max_body_bytes: int = 4 << 20, api_token: str | None = None
) -> web.Application:
    """The Dapr HTTP API app. With `api_token`, requests need a matching `dapr-api-token`."""
    # aiohttp answers an over-size body with its own 413 page; read() raising lets us answer
    # as daprd does (its limit reader makes the JSON decoder fail with 400).
    middlewares: list[Middleware] = [_dapr_errors]
    if api_token:
        middlewares.append(_token_check(api_token))
    app = web.Application(client_max_size=max_body_bytes, middlewares=middlewares)
    app[_API] = api
    app[_MAX_BODY] = max_body_bytes
    router = app.router
    for method in ("POST", "PUT"):
        # daprd strips one trailing slash before routing.
        router.add_route(method, _BINDINGS + "{name}", _invoke_binding)
        router.add_route(method, _BINDINGS + "{name}/", _invoke_binding)
    router.add_get("/v1.0/healthz", _healthz, allow_head=False)
    router.add_get("/v1.0/healthz/outbound", _outbound_healthz, allow_head=False)
    router.add_get("/v1.0/metadata", _get_metadata, allow_head=False)
    router.add_put("/v1.0/metadata/{key}", _put_metadata)
    router.add_post("/v1.0/shutdown", _shutdown)
    # Anything else, including a known path with another method: daprd's router falls back to
    # service invocation, so the catch-all must come last.
    router.add_route("*", "/{tail:.*}", _fallback)
    return app


async def _invoke_binding(request: web.Request) -> web.StreamResponse:
    api = request.app[_API]
    name = _query_unescape(_last_segment(request), "name")
    raw, truncated = await _read_limited(request, request.app[_MAX_BODY])
    try:
        body = decode_output_binding_request(raw)
    except GoJSONError as exc:
        # daprd's limit reader hands the decoder the first `limit` bytes, then fails the next
        # read: a value that ends within the limit is used, one that does not is this error.
        incomplete = str(exc) in ("EOF", "unexpected EOF")
        detail = "stream too large" if truncated and incomplete else str(exc)
        raise errors.malformed_request(detail) from None
    invoke = InvokeRequest(data=body.data, metadata=body.metadata, operation=body.operation)
    try:
        response = await api.invoke_binding(name, invoke)
    except BindingError as exc:
        raise errors.invoke_output_binding(name, str(exc)) from None
    if response is None:
        return web.Response(status=204)
    return _binding_response(response)


async def _read_limited(request: web.Request, limit: int) -> tuple[bytes, bool]:
    """The first `limit` bytes of the body, and whether there was more."""
    chunks, size = [], 0
    async for chunk in request.content.iter_any():
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _binding_response(response: InvokeResponse) -> web.Response:
    reply = web.Response(status=200, body=response.data, content_type=_JSON)
    for key, value in response.metadata.items():
        name = f"metadata.{key}"
        # Go's server leaves out a header whose name is not an HTTP token instead of failing,
        # and turns line breaks in values into spaces.
        if is_token(name):
            value = value.replace("\r", " ").replace("\n", " ")
            reply.headers.add(canonical_mime_header_key(name), value)
    return reply


async def _healthz(request: web.Request) -> web.StreamResponse:
    request.app[_API].healthz(request.query.get("appid"))
    return web.Response(status=204)


async def _outbound_healthz(request: web.Request) -> web.StreamResponse:
    request.app[_API].outbound_healthz()
    return web.Response(status=204)


async def _get_metadata(request: web.Request) -> web.StreamResponse:
    document = request.app[_API].metadata()
    # Go's json.Encoder, which daprd uses here, ends the document with a newline.
    body = encode(document, sort_keys=False) + b"\n"
    return web.Response(status=200, body=body, content_type=_JSON)


async def _put_metadata(request: web.Request) -> web.StreamResponse:
    key = _query_unescape(_last_segment(request), "key")
    try:
        value = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise errors.body_read("stream too large") from None
    request.app[_API].set_metadata(key, value.decode("utf-8", "replace"))
    return web.Response(status=204)


async def _shutdown(request: web.Request) -> web.StreamResponse:
    # Answer first: the shutdown it starts closes this server.
    reply = web.Response(status=204)
    await reply.prepare(request)
    await reply.write_eof()
    request.app[_API].request_shutdown()
    return reply


async def _fallback(request: web.Request) -> web.StreamResponse:
    # daprd routes on the cleaned path (`/v1.0//bindings/./x/` is `/v1.0/bindings/x`).
    raw = request.rel_url.raw_path
    cleaned = "/" + posixpath.normpath(raw).lstrip("/") if raw != "/" else raw
    if cleaned != raw:
        query = request.rel_url.raw_query_string
        retry = request.clone(rel_url=URL.build(path=cleaned, query=query, encoded=True))
        found = await request.app.router.resolve(retry)
        if found.http_exception is None and found.handler is not _fallback:
            return await found.handler(retry)
    match = _API_PATH.match(request.path)
    if match is not None and match.group(1) not in _SERVED_GROUPS:
        raise errors.api_not_implemented(request.method, request.path)
    raise errors.direct_invoke_no_app_id()


@web.middleware
async def _dapr_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except APIError as exc:
        return error_response(exc)
    except _PlainError as exc:
        return _plain_error(exc.status, str(exc))
    except web.HTTPException:
        raise
    except Exception as exc:
        log.exception("unexpected error in %s %s", request.method, request.path)
        return error_response(errors.internal(type(exc).__name__))


def _token_check(token: str) -> Middleware:
    expected = token.encode()

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        # daprd exempts only the two health probes, so that orchestrators can poll them.
        exempt = request.method == "GET" and request.path.rstrip("/") in (
            "/v1.0/healthz",
            "/v1.0/healthz/outbound",
        )
        given = request.headers.get("dapr-api-token", "").encode()
        if not exempt and not hmac.compare_digest(given, expected):
            return _plain_error(401, "invalid api token")
        return await handler(request)

    return check


def error_response(exc: APIError) -> web.Response:
    return web.Response(status=exc.http_status, body=exc.to_json(), content_type=_JSON)


def _plain_error(status: int, message: str) -> web.Response:
    # The shape of Go's http.Error: plain text, newline-terminated, nosniff.
    reply = web.Response(status=status, text=message + "\n", content_type="text/plain")
    reply.headers["X-Content-Type-Options"] = "nosniff"
    return reply


class _PlainError(Exception):
    """A failure daprd reports as plain text (from its router, before any API handler)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _last_segment(request: web.Request) -> str:
    """The route parameter as the client sent it: %2F must stay an escape, not a separator."""
    target = request.message.path
    if not target.startswith("/"):  # absolute-form request target
        target = request.rel_url.raw_path
    return target.split("?", 1)[0].removesuffix("/").rsplit("/", 1)[-1]


def _query_unescape(raw: str, parameter: str) -> str:
    """Go's url.QueryUnescape (`+` is a space); a bad escape is daprd's plain-text 400."""
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        escape = raw[bad.start() : bad.start() + 3]
        raise _PlainError(
            400,
            f'failed to unescape request parameter "{parameter}". '
            f'Error: invalid URL escape "{escape}"',
        )
    return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8", "replace")

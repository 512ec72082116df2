"""The Dapr HTTP API on aiohttp: bindings, secrets, metadata, health and shutdown routes over
api/core.

A thin adapter: daprd's rules live in api/http_routes; handlers read the request, call them or
DaprAPI, and write the answer. Every failure leaves as Dapr's error JSON.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from daprlite.api import errors
from daprlite.api import http_routes as routes
from daprlite.api.core import DaprAPI
from daprlite.api.errors import APIError
from daprlite.api.http_routes import JSON, LimitedBody, Reply
from daprlite.gocompat.json import encode

log = logging.getLogger("daprlite.api.http")

_API = web.AppKey("dapr_api", DaprAPI)
_MAX_BODY = web.AppKey("max_body_bytes", int)
_BINDINGS = "/v1.0/bindings/"
_SECRETS = "/v1.0/secrets/"
# One path segment, whatever it holds: aiohttp's plain `{name}` refuses `{` and `}`, which
# daprd's router takes as part of a name. Handlers read the segment from the raw target.
_SEGMENT = "{segment:[^/]+}"
_KEY = "{key:[^/]+}"
# Route groups daprlite serves; any other /v1.0/<group>/... is a Dapr API it does not have.
_SERVED_GROUPS = frozenset({"bindings", "healthz", "metadata", "secrets", "shutdown"})
_API_PATH = re.compile(r"^/v1\.0(?:-alpha1|-beta1)?/([^/]+)")

# Told of every answer: the request, its status, the response body's size, and when handling
# began (time.perf_counter). The metrics of the HTTP server hang here (observability).
RequestRecorder = Callable[[web.Request, int, int, float], None]


def build_http_app(
    api: DaprAPI,
    *,
    max_body_bytes: int = 4 << 20,
    api_token: str | None = None,
    outer: tuple[Middleware, ...] = (),
    record: RequestRecorder | None = None,
) -> web.Application:
    """The Dapr HTTP API app. With `api_token`, requests need a matching `dapr-api-token`.
    `outer`: middlewares around all others, so they see the answer as sent. `record`: told of
    every answer from within the error middleware, which costs less than a middleware more."""
    # aiohttp answers an over-size body with its own 413 page; read() raising lets us answer
    # as daprd does (its limit reader makes the JSON decoder fail with 400).
    answers = _dapr_errors if record is None else _recorded(record)
    middlewares: list[Middleware] = [*outer, answers]
    if api_token:
        middlewares.append(_token_check(api_token))
    app = web.Application(client_max_size=max_body_bytes, middlewares=middlewares)
    app[_API] = api
    app[_MAX_BODY] = max_body_bytes
    router = app.router
    for method in ("POST", "PUT"):
        # daprd strips one trailing slash before routing.
        router.add_route(method, _BINDINGS + _SEGMENT, _invoke_binding)
        router.add_route(method, _BINDINGS + _SEGMENT + "/", _invoke_binding)
    # daprd's router tries `bulk` before `{key}`: a secret named "bulk" cannot be read alone.
    for tail in ("", "/"):
        router.add_get(_SECRETS + _SEGMENT + "/bulk" + tail, _bulk_get_secret, allow_head=False)
        router.add_get(_SECRETS + _SEGMENT + "/" + _KEY + tail, _get_secret, allow_head=False)
    router.add_get("/v1.0/healthz", _healthz, allow_head=False)
    router.add_get("/v1.0/healthz/outbound", _outbound_healthz, allow_head=False)
    router.add_get("/v1.0/metadata", _get_metadata, allow_head=False)
    router.add_put("/v1.0/metadata/" + _SEGMENT, _put_metadata)
    router.add_post("/v1.0/shutdown", _shutdown)
    # Anything else, including a known path with another method: daprd's router falls back to
    # service invocation, so the catch-all must come last.
    router.add_route("*", "/{tail:.*}", _fallback)
    return app


async def _invoke_binding(request: web.Request) -> web.StreamResponse:
    reader = LimitedBody(request.app[_MAX_BODY])
    async for chunk in request.content.iter_any():
        if not reader.add(chunk):
            break
    # raw_path is the target as sent; rel_url.path would have decoded %2F into a separator.
    reply = await routes.invoke_binding(
        request.app[_API],
        request.raw_path,
        reader.body,
        reader.truncated,
        request.headers,
        request.method,
    )
    return _response(reply)


async def _get_secret(request: web.Request) -> web.StreamResponse:
    reply = await routes.get_secret(
        request.app[_API], request.raw_path, request.rel_url.raw_query_string
    )
    return _response(reply)


async def _bulk_get_secret(request: web.Request) -> web.StreamResponse:
    reply = await routes.bulk_get_secret(
        request.app[_API], request.raw_path, request.rel_url.raw_query_string
    )
    return _response(reply)


def _response(reply: Reply) -> web.Response:
    response = web.Response(status=reply.status, body=reply.body)
    if reply.content_type is not None:
        response.headers[hdrs.CONTENT_TYPE] = reply.content_type
    for name, value in reply.headers:
        response.headers.add(name, value)
    return response


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
    return web.Response(status=200, body=body, content_type=JSON)


async def _put_metadata(request: web.Request) -> web.StreamResponse:
    key = routes.route_parameter(request.raw_path, "key")
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
    cleaned = routes.clean_path(raw)
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
        request.app[_API].answered_error(exc.error_code)
        return _response(routes.error_reply(exc))
    except routes.PlainError as exc:
        return _response(exc.reply())
    except web.HTTPException:
        raise
    except Exception as exc:
        log.exception("unexpected error in %s %s", request.method, request.path)
        failed = errors.internal(type(exc).__name__)
        request.app[_API].answered_error(failed.error_code)
        return _response(routes.error_reply(failed))


def _recorded(record: RequestRecorder) -> Middleware:
    """_dapr_errors, also telling `record` of each answer (the token check is inside it)."""

    @web.middleware
    async def answer(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await _dapr_errors(request, handler)
        except web.HTTPException as exc:
            record(request, exc.status, 0, started)
            raise
        body = getattr(response, "body", None)
        record(
            request,
            response.status,
            len(body) if isinstance(body, bytes | bytearray) else 0,
            started,
        )
        return response

    return answer


def _token_check(token: str) -> Middleware:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        denied = routes.authorize(request.method, request.path, request.headers, token)
        if denied is not None:
            return _response(denied)
        return await handler(request)

    return check

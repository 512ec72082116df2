"""The Dapr HTTP API without a transport: which route a request takes, the token check, and
Dapr's error JSON for every failure, over api/http_routes and api/core.

api/http_server parses the bytes and writes the Reply; this module decides the Reply. The route
table is daprd's for the APIs daprlite serves; anything else falls back as daprd's router does.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from daprlite.api import errors
from daprlite.api import http_routes as routes
from daprlite.api.core import DaprAPI
from daprlite.api.errors import APIError
from daprlite.api.http_routes import JSON
from daprlite.gocompat.json import encode
from daprlite.serving.message import HTTPRequest, Reply

log = logging.getLogger("daprlite.api.http")

# Route groups daprlite serves; any other /v1.0/<group>/... is a Dapr API it does not have.
_SERVED_GROUPS = frozenset({"bindings", "healthz", "metadata", "secrets", "shutdown"})
_API_PATH = re.compile(r"^/v1\.0(?:-alpha1|-beta1)?/([^/]+)")
# One path segment, whatever it holds (daprd's router takes `{` and `}` in a name); one
# trailing slash allowed, as daprd strips it before routing. Matched on the raw path, so that
# %2F stays inside its segment.
_SEGMENT = r"[^/]+"
_NO_CONTENT = routes.NO_CONTENT

# Told of every answer: method, the route's path for the metrics label ("" for the catch-all,
# whose paths are whatever a client sends), status, request and response body sizes, and
# when handling began (time.perf_counter).
RequestRecorder = Callable[[str, str, int, int, int, float], None]


Handler = Callable[[DaprAPI, HTTPRequest], Awaitable[Reply]]


async def _invoke_binding(api: DaprAPI, request: HTTPRequest) -> Reply:
    return await routes.invoke_binding(
        api, request.target, request.body, request.truncated, request.headers, request.method
    )


async def _get_secret(api: DaprAPI, request: HTTPRequest) -> Reply:
    return await routes.get_secret(api, request.target, request.raw_query)


async def _bulk_get_secret(api: DaprAPI, request: HTTPRequest) -> Reply:
    return await routes.bulk_get_secret(api, request.target, request.raw_query)


async def _healthz(api: DaprAPI, request: HTTPRequest) -> Reply:
    appid = next((v for k, v in parse_qsl(request.raw_query) if k == "appid"), None)
    api.healthz(appid)
    return _NO_CONTENT


async def _outbound_healthz(api: DaprAPI, request: HTTPRequest) -> Reply:
    api.outbound_healthz()
    return _NO_CONTENT


async def _get_metadata(api: DaprAPI, request: HTTPRequest) -> Reply:
    # Go's json.Encoder, which daprd uses here, ends the document with a newline.
    body = encode(api.metadata(), sort_keys=False) + b"\n"
    return Reply(200, body=body, content_type=JSON)


async def _put_metadata(api: DaprAPI, request: HTTPRequest) -> Reply:
    key = routes.route_parameter(request.target, "key")
    if request.truncated:
        raise errors.body_read("stream too large")
    api.set_metadata(key, request.body.decode("utf-8", "replace"))
    return _NO_CONTENT


async def _shutdown(api: DaprAPI, request: HTTPRequest) -> Reply:
    # Answer first: the shutdown it starts closes this server. The answer is written as soon
    # as this returns, before the loop runs the callback.
    asyncio.get_running_loop().call_soon(api.request_shutdown)
    return _NO_CONTENT


Route = tuple[frozenset[str], re.Pattern[str], Handler]


def _route(methods: str, pattern: str, handler: Handler) -> Route:
    return frozenset(methods.split()), re.compile(f"^{pattern}/?$"), handler


# daprd's router tries `bulk` before `{key}`: a secret named "bulk" cannot be read alone.
_ROUTES = (
    _route("POST PUT", f"/v1.0/bindings/{_SEGMENT}", _invoke_binding),
    _route("GET", f"/v1.0/secrets/{_SEGMENT}/bulk", _bulk_get_secret),
    _route("GET", f"/v1.0/secrets/{_SEGMENT}/{_SEGMENT}", _get_secret),
    _route("GET", "/v1.0/healthz", _healthz),
    _route("GET", "/v1.0/healthz/outbound", _outbound_healthz),
    _route("GET", "/v1.0/metadata", _get_metadata),
    _route("PUT", f"/v1.0/metadata/{_SEGMENT}", _put_metadata),
    _route("POST", "/v1.0/shutdown", _shutdown),
)


def _find(method: str, raw_path: str) -> Handler | None:
    for methods, pattern, handler in _ROUTES:
        if method in methods and pattern.match(raw_path):
            return handler
    return None


class HTTPAPI:
    """The Dapr HTTP API over `api`: `answer` turns any request into daprd's Reply. With
    `api_token`, requests need a matching `dapr-api-token`; `record` is told of each answer."""

    def __init__(
        self,
        api: DaprAPI,
        *,
        api_token: str | None = None,
        record: RequestRecorder | None = None,
    ) -> None:
        self.api = api
        self._token = api_token
        self._record = record

    async def answer(self, request: HTTPRequest) -> Reply:
        started = time.perf_counter()
        handler = _find(request.method, request.raw_path)
        reply = await self._answer(request, handler)
        if self._record is not None:
            label = request.path if handler is not None else ""
            sent = len(reply.body)
            self._record(request.method, label, reply.status, _length(request), sent, started)
        return reply

    async def _answer(self, request: HTTPRequest, handler: Handler | None) -> Reply:
        try:
            if self._token:
                denied = routes.authorize(
                    request.method, request.path, request.headers, self._token
                )
                if denied is not None:
                    return denied
            if handler is None:
                return await self._fallback(request)
            return await handler(self.api, request)
        except APIError as exc:
            self.api.answered_error(exc.error_code)
            return routes.error_reply(exc)
        except routes.PlainError as exc:
            return exc.reply()
        except Exception as exc:
            log.exception("unexpected error in %s %s", request.method, request.path)
            failed = errors.internal(type(exc).__name__)
            self.api.answered_error(failed.error_code)
            return routes.error_reply(failed)

    async def _fallback(self, request: HTTPRequest) -> Reply:
        # daprd routes on the cleaned path (`/v1.0//bindings/./x/` is `/v1.0/bindings/x`).
        raw = request.raw_path
        cleaned = routes.clean_path(raw)
        if cleaned != raw:
            query = request.raw_query
            retry = HTTPRequest(
                request.method,
                cleaned + ("?" + query if query else ""),
                request.headers,
                request.body,
                request.truncated,
            )
            found = _find(retry.method, cleaned)
            if found is not None:
                return await found(self.api, retry)
        match = _API_PATH.match(request.path)
        if match is not None and match.group(1) not in _SERVED_GROUPS:
            raise errors.api_not_implemented(request.method, request.path)
        raise errors.direct_invoke_no_app_id()


def _length(request: HTTPRequest) -> int:
    declared = request.headers.get("content-length")
    return int(declared) if declared is not None and declared.isdigit() else 0

"""`dapr_http_server_*` for the Dapr HTTP API: one aiohttp middleware, installed only when
metrics are on, outermost so it sees the status the client gets."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from daprlite.observability.metrics import Metrics

# The API's catch-all route: its paths are whatever a client sends, so they are not labels.
_CATCH_ALL = "/{tail}"


def http_metrics_middleware(metrics: Metrics) -> Middleware:
    app_id = metrics.app_id
    count, latency = metrics.http_count.inc, metrics.http_latency.observe
    responded = metrics.http_response_count.inc
    request_bytes = metrics.http_request_bytes.observe
    response_bytes = metrics.http_response_bytes.observe

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status, sent = 500, 0
        try:
            response = await handler(request)
            status = response.status
            body = getattr(response, "body", None)
            sent = len(body) if isinstance(body, bytes | bytearray) else 0
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            # daprd's default (increasedCardinality) labels a bindings call with its own path.
            path = request.path if _route(request) != _CATCH_ALL else ""
            labels = (app_id, request.method, path, str(status))
            count(labels)
            responded(labels)
            latency(labels, (time.perf_counter() - started) * 1000.0)
            request_bytes((app_id,), float(request.content_length or 0))
            response_bytes((app_id,), float(sent))

    return record


def _route(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else _CATCH_ALL

"""`dapr_http_server_*` for the Dapr HTTP API: a recorder the API's error middleware calls for
every answer, given only when metrics are on (api.http.RequestRecorder)."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from daprlite.observability.metrics import Metrics

# The API's catch-all route: its paths are whatever a client sends, so they are not labels.
_CATCH_ALL = "/{tail}"


def http_request_recorder(metrics: Metrics) -> Callable[[web.Request, int, int, float], None]:
    app_id = metrics.app_id
    sized = (app_id,)
    count, latency = metrics.http_count.inc, metrics.http_latency.observe
    request_bytes = metrics.http_request_bytes.observe
    response_bytes = metrics.http_response_bytes.observe
    clock = time.perf_counter
    responded = metrics.http_response_count.inc

    def record(request: web.Request, status: int, sent: int, started: float) -> None:
        # daprd's default (increasedCardinality) labels a bindings call with its own path.
        path = request.path if _route(request) != _CATCH_ALL else ""
        labels = (app_id, request.method, path, str(status))
        count(labels)
        responded(labels)
        latency(labels, (clock() - started) * 1000.0)
        request_bytes(sized, float(request.content_length or 0))
        response_bytes(sized, float(sent))

    return record


def _route(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else _CATCH_ALL

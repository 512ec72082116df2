"""`dapr_http_server_*` for the Dapr HTTP API: a recorder the API calls for every answer, given
only when metrics are on (api.http.RequestRecorder)."""

from __future__ import annotations

import time
from collections.abc import Callable

from daprlite.observability.metrics import Metrics


def http_request_recorder(metrics: Metrics) -> Callable[[str, str, int, int, int, float], None]:
    """The API's RequestRecorder: method, route path ("" for the catch-all, whose paths are
    whatever a client sends, so not labels), status, bytes in and out, start time."""
    app_id = metrics.app_id
    sized = (app_id,)
    count, latency = metrics.http_count.inc, metrics.http_latency.observe
    request_bytes = metrics.http_request_bytes.observe
    response_bytes = metrics.http_response_bytes.observe
    clock = time.perf_counter
    responded = metrics.http_response_count.inc

    def record(
        method: str, path: str, status: int, received: int, sent: int, started: float
    ) -> None:
        # daprd's default (increasedCardinality) labels a bindings call with its own path.
        labels = (app_id, method, path, str(status))
        count(labels)
        responded(labels)
        latency(labels, (clock() - started) * 1000.0)
        request_bytes(sized, float(received))
        response_bytes(sized, float(sent))

    return record

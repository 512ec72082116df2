"""Metrics of the sidecar's calls to its app, as daprd records them: `dapr_http_client_*` for an
HTTP app (deliveries and the start-up OPTIONS probe), and for a gRPC app the client family of
its connection's interceptor plus the delivery again in the *server* family (daprd's quirk).
"""

from __future__ import annotations

import grpc

from daprlite.observability.exposition import LATENCY_MS, SIZE_BYTES, Labels
from daprlite.observability.grpc_server import go_status_name
from daprlite.observability.metrics import Metrics

_HTTP = ("app_id", "method", "path", "status")
_GRPC_CLIENT = ("app_id", "grpc_client_method", "grpc_client_status")
# daprd's getMetricsMethod: a verb outside this set is labelled UNKNOWN.
_HTTP_VERBS = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT",
                         "TRACE"})  # fmt: skip
_STATIC_PATHS = frozenset({"/dapr/config", "/dapr/metrics", "/dapr/subscribe", "/healthz"})


class AppCallMetrics:
    """Records each call to the app; what runtime.app_channel.AppCallRecorder asks for."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self.app_id = app_id = metrics.app_id
        s = metrics.store
        self.http_count = s.counter(
            "dapr_http_client_completed_count", "Count of completed requests", _HTTP
        )
        self.http_latency = s.histogram(
            "dapr_http_client_roundtrip_latency",
            "Time between first byte of request headers sent to last byte of response "
            "received, or terminal error",
            _HTTP,
            LATENCY_MS,
        )
        self.http_sent = s.histogram(
            "dapr_http_client_sent_bytes",
            "Total bytes sent in request body (not including headers)",
            _HTTP,
            SIZE_BYTES,
        )
        self.http_received = s.histogram(
            "dapr_http_client_received_bytes",
            "Total bytes received in response bodies (not including headers but including "
            "error responses with bodies)",
            ("app_id",),
            SIZE_BYTES,
        )
        self.grpc_count = s.counter(
            "dapr_grpc_io_client_completed_rpcs",
            "Count of RPCs by method and status.",
            _GRPC_CLIENT,
        )
        self.grpc_latency = s.histogram(
            "dapr_grpc_io_client_roundtrip_latency",
            "Time between first byte of request sent to last byte of response received, or "
            "terminal error.",
            _GRPC_CLIENT,
            LATENCY_MS,
        )
        self.grpc_sent = s.histogram(
            "dapr_grpc_io_client_sent_bytes_per_rpc",
            "Total bytes sent across all request messages per RPC.",
            ("app_id", "grpc_client_method"),
            SIZE_BYTES,
        )
        self.grpc_received = s.histogram(
            "dapr_grpc_io_client_received_bytes_per_rpc",
            "Total bytes received across all response messages per RPC.",
            ("app_id", "grpc_client_method"),
            SIZE_BYTES,
        )
        self._received_labels: Labels = (app_id,)
        self._paths: dict[str, str] = {}

    def http_call(
        self, method: str, route: str, status: int, sent: int, received: int, seconds: float
    ) -> None:
        """One request to an HTTP app. `status` 500 stands for "no answer" (as daprd);
        `received` is the answer's Content-Length, -1 without one (daprd records that too)."""
        path = self._paths.get(route)
        if path is None:
            path = self._paths[route] = metric_path(route)
        verb = method if method in _HTTP_VERBS else "UNKNOWN"
        labels = (self.app_id, verb, path, str(status))
        self.http_count.inc(labels)
        self.http_latency.observe(labels, seconds * 1000.0)
        # daprd's sent-bytes view has a status key that its recording never sets.
        self.http_sent.observe((self.app_id, verb, path, ""), float(sent))
        self.http_received.observe(self._received_labels, float(received))

    def grpc_call(
        self, method: str, code: grpc.StatusCode, sent: int, received: int, seconds: float
    ) -> None:
        """One unary call on the app's connection (daprd's UnaryClientInterceptor): sizes of the
        whole request and reply messages; `received` is 0 when the call failed."""
        status = go_status_name(code)
        labels, sized = (self.app_id, method, status), (self.app_id, method)
        self.grpc_count.inc(labels)
        self.grpc_latency.observe(labels, seconds * 1000.0)
        self.grpc_sent.observe(sized, float(sent))
        self.grpc_received.observe(sized, float(received))

    def grpc_delivery(
        self, method: str, code: grpc.StatusCode, data_in: int, data_out: int, seconds: float
    ) -> None:
        """The delivery to a gRPC app once more, in the server family, as daprd's binding code
        records it: sizes are the event's data and the reply's data only."""
        m = self._metrics
        labels, sized = (self.app_id, method, go_status_name(code)), (self.app_id, method)
        m.grpc_count.inc(labels)
        m.grpc_latency.observe(labels, seconds * 1000.0)
        m.grpc_received.observe(sized, float(data_in))
        m.grpc_sent.observe(sized, float(data_out))


def metric_path(route: str) -> str:
    """The `path` label daprd gives a call to the app on `route` with its default (high)
    cardinality: slashes merged, a leading one added, then its legacy collapsing rules."""
    path = "/" + route.lstrip("/")
    while "//" in path:
        path = path.replace("//", "/")
    if path in _STATIC_PATHS:
        return path
    return _collapse(path)


def _collapse(path: str) -> str:
    # daprd's convertPathToMetricLabel: ids and keys out of state, secrets and actor paths.
    # Workflow paths are left as they are: an input route is not a workflow API path.
    parts = path[1:].split("/", 5)
    if len(parts) < 3:
        return path
    if parts[0] == "actors":
        parts[2] = "{id}"
        return "/".join(parts)  # daprd drops the leading slash here
    if parts[1] in ("state", "secrets"):
        return "/" + "/".join(parts[:3])
    if parts[1] == "actors" and len(parts) >= 5:
        parts[3] = "{id}"
        return "/" + "/".join(parts[:5])
    return path

"""`dapr_grpc_io_server_*` for the Dapr gRPC API: a recorder the API's server tells of each unary
call, installed only when metrics are on. Status names are Go's (`codes.Code.String()`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from daprlite.observability.metrics import Metrics

if TYPE_CHECKING:
    import grpc

# Go's codes.Code.String(), by code number: OK in capitals, every other code in CamelCase.
_GO_NAMES = (
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
)


def go_code_name(code: int) -> str:
    """The gRPC status `code` as Go's `codes.Code.String()` writes it."""
    return _GO_NAMES[code] if 0 <= code < len(_GO_NAMES) else f"Code({code})"


def go_status_name(code: grpc.StatusCode) -> str:
    """`code` as Go's `codes.Code.String()` writes it, the label value daprd records."""
    return go_code_name(code.value[0])


class GrpcServerMetrics:
    """Implements api.grpc.CallRecorder: one completed call, its latency and message sizes."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def record(self, method: str, code: int, seconds: float, received: int, sent: int) -> None:
        m = self._metrics
        labels = (m.app_id, method, go_code_name(code))
        sized = (m.app_id, method)
        m.grpc_count.inc(labels)
        m.grpc_latency.observe(labels, seconds * 1000.0)
        m.grpc_received.observe(sized, float(received))
        m.grpc_sent.observe(sized, float(sent))

"""Dapr's rich gRPC errors: a `google.rpc.Status` with an ErrorInfo, sent as daprd 1.15+ does."""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from daprlite.api.grpc_wire import GrpcError


def rich_error(
    code: int, message: str, reason: str, metadata: Mapping[str, str] | None = None
) -> GrpcError:
    """A failure whose `grpc-status-details-bin` trailer carries ErrorInfo(reason, dapr.io)."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain="dapr.io", metadata=metadata))
    status = status_pb2.Status(code=code, message=message, details=[info])
    return GrpcError(code, message, status.SerializeToString())

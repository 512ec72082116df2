"""The app channel for `--app-protocol grpc`: Dapr's AppCallback service, called on the app."""

from __future__ import annotations

import time
from typing import Any

import grpc
from dapr.proto.runtime.v1 import appcallback_pb2, appcallback_pb2_grpc
from google.protobuf import empty_pb2

from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler
from daprlite.model.tracing import NO_TRACER, Tracer
from daprlite.resiliency.breaker import BreakerOpenError
from daprlite.resiliency.runner import PolicyRunner, PolicyTimeoutError
from daprlite.runtime.app_channel import PROBE_TIMEOUT, AppCallRecorder

LIST_INPUT_BINDINGS = "/dapr.proto.runtime.v1.AppCallback/ListInputBindings"
ON_BINDING_EVENT = "/dapr.proto.runtime.v1.AppCallback/OnBindingEvent"


class GrpcAppChannel:
    def __init__(
        self,
        port: int,
        address: str = "127.0.0.1",
        token: str | None = None,
        tracer: Tracer = NO_TRACER,
        calls: AppCallRecorder | None = None,
    ) -> None:
        self._tracer = tracer
        self._calls = calls
        self._channel = grpc.aio.insecure_channel(f"{address}:{port}")
        self._stub = appcallback_pb2_grpc.AppCallbackStub(self._channel)  # type: ignore[no-untyped-call]
        self._call_metadata = (("dapr-api-token", token),) if token else ()
        # daprd asks the app once and keeps the answer for the life of the process.
        self._subscribed: frozenset[str] | None = None

    async def load_app_config(self, app_id: str) -> None:
        pass  # daprd's gRPC channel asks a gRPC app for no configuration

    async def is_subscribed(self, component: Component) -> bool:
        if self._subscribed is None:
            started, code, received = time.perf_counter(), grpc.StatusCode.OK, 0
            try:
                response = await self._stub.ListInputBindings(
                    empty_pb2.Empty(), metadata=self._call_metadata, timeout=PROBE_TIMEOUT
                )
                self._subscribed = frozenset(response.bindings)
                received = response.ByteSize()
            except grpc.aio.AioRpcError as exc:
                # As daprd: an app that cannot list its bindings subscribes to none.
                self._subscribed = frozenset()
                code = exc.code()
            if self._calls is not None:
                # daprd's app connection has its metrics client interceptor on every call.
                elapsed = time.perf_counter() - started
                self._calls.grpc_call(LIST_INPUT_BINDINGS, code, 0, received, elapsed)
        return component.name in self._subscribed

    def handler_for(self, component: Component, policy: PolicyRunner | None = None) -> EventHandler:
        name, tracer, calls = component.name, self._tracer, self._calls
        clock = time.perf_counter
        stub_call = self._stub.OnBindingEvent

        async def call(request: Any, metadata: tuple[tuple[str, str], ...]) -> Any:
            """One call to the app; each is recorded (metrics on), retries included."""
            started = clock() if calls is not None else 0.0
            try:
                response = await stub_call(request, metadata=metadata)
            except grpc.aio.AioRpcError as exc:
                if calls is not None:
                    _record(calls, exc.code(), request, None, clock() - started)
                raise
            if calls is not None:
                _record(calls, grpc.StatusCode.OK, request, response, clock() - started)
            return response

        async def deliver(event: BindingEvent) -> None:
            trace = tracer.input(name, "grpc", event.metadata)
            request = appcallback_pb2.BindingEventRequest(
                name=name, data=event.data, metadata=dict(event.metadata)
            )
            # daprd sends traceparent/tracestate as call metadata only from a valid parent.
            metadata = self._call_metadata + tuple(trace.context().items())
            try:
                if policy is None:
                    await call(request, metadata)
                else:
                    # No status code is matched on this path: every failure is retried (daprd).
                    await policy.run(lambda: call(request, metadata))
            except (PolicyTimeoutError, BreakerOpenError) as exc:
                trace.end(4 if isinstance(exc, PolicyTimeoutError) else 2, str(exc))
                raise DeliveryError(f"error invoking app: {exc}") from None
            except grpc.aio.AioRpcError as exc:
                trace.end(exc.code().value[0], exc.details())
                raise DeliveryError(
                    f"error invoking app: rpc error: code = {exc.code().name} "
                    f"desc = {exc.details()}"
                ) from exc
            trace.end(0, None)

        return deliver

    async def close(self) -> None:
        await self._channel.close()


def _record(
    calls: AppCallRecorder,
    code: grpc.StatusCode,
    request: appcallback_pb2.BindingEventRequest,
    response: appcallback_pb2.BindingEventResponse | None,
    seconds: float,
) -> None:
    # daprd records a gRPC delivery twice: its connection's client interceptor sees whole
    # messages, and the binding code then reports it in the server family with data sizes.
    sent, data_in = request.ByteSize(), len(request.data)
    received = response.ByteSize() if response is not None else 0
    data_out = len(response.data) if response is not None else 0
    calls.grpc_call(ON_BINDING_EVENT, code, sent, received, seconds)
    calls.grpc_delivery(ON_BINDING_EVENT, code, data_in, data_out, seconds)

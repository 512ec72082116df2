"""The app channel for `--app-protocol grpc`: Dapr's AppCallback service, called on the app."""

from __future__ import annotations

import grpc
from dapr.proto.runtime.v1 import appcallback_pb2, appcallback_pb2_grpc
from google.protobuf import empty_pb2

from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler
from daprlite.model.tracing import NO_TRACER, Tracer
from daprlite.resiliency.breaker import BreakerOpenError
from daprlite.resiliency.runner import PolicyRunner, PolicyTimeoutError
from daprlite.runtime.app_channel import PROBE_TIMEOUT


class GrpcAppChannel:
    def __init__(
        self,
        port: int,
        address: str = "127.0.0.1",
        token: str | None = None,
        tracer: Tracer = NO_TRACER,
    ) -> None:
        self._tracer = tracer
        self._channel = grpc.aio.insecure_channel(f"{address}:{port}")
        self._stub = appcallback_pb2_grpc.AppCallbackStub(self._channel)  # type: ignore[no-untyped-call]
        self._call_metadata = (("dapr-api-token", token),) if token else ()
        # daprd asks the app once and keeps the answer for the life of the process.
        self._subscribed: frozenset[str] | None = None

    async def is_subscribed(self, component: Component) -> bool:
        if self._subscribed is None:
            try:
                response = await self._stub.ListInputBindings(
                    empty_pb2.Empty(), metadata=self._call_metadata, timeout=PROBE_TIMEOUT
                )
                self._subscribed = frozenset(response.bindings)
            except grpc.aio.AioRpcError:
                # As daprd: an app that cannot list its bindings subscribes to none.
                self._subscribed = frozenset()
        return component.name in self._subscribed

    def handler_for(self, component: Component, policy: PolicyRunner | None = None) -> EventHandler:
        name, tracer = component.name, self._tracer
        call = self._stub.OnBindingEvent

        async def deliver(event: BindingEvent) -> None:
            trace = tracer.input(name, "grpc", event.metadata)
            request = appcallback_pb2.BindingEventRequest(
                name=name, data=event.data, metadata=dict(event.metadata)
            )
            # daprd sends traceparent/tracestate as call metadata only from a valid parent.
            metadata = self._call_metadata + tuple(trace.context().items())
            try:
                if policy is None:
                    await call(request, metadata=metadata)
                else:
                    # No status code is matched on this path: every failure is retried (daprd).
                    await policy.run(lambda: call(request, metadata=metadata))
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

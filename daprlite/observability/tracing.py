"""daprd's binding spans through the OpenTelemetry SDK: one TracerProvider per sidecar (a
Multi-App Run has several apps, each its own `service.name`), sampled ParentBased(ratio),
kept in a bounded ring for a dashboard and exported as `spec.tracing` says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags, TraceState
from opentelemetry.trace.status import Status, StatusCode

from daprlite.model.tracing import (
    MAX_TRACESTATE_LEN,
    ApiProtocol,
    HttpDetails,
    InputTrace,
    OutputTrace,
    TracingSpec,
    context_metadata,
    format_traceparent,
    parse_traceparent,
    trace_context,
)
from daprlite.observability.tracing_export import span_exporters
from daprlite.observability.tracing_ring import SpanRing

INVOKE_BINDING_METHOD = "/dapr.proto.runtime.v1.Dapr/InvokeBinding"
ON_BINDING_EVENT_METHOD = "/dapr.proto.runtime.v1.AppCallback/OnBindingEvent"
RING_SIZE = 1024


class OtelTracer:
    def __init__(
        self,
        app_id: str,
        spec: TracingSpec,
        *,
        ring_size: int = RING_SIZE,
        processors: tuple[SpanProcessor, ...] | None = None,
    ) -> None:
        # Resource.create also reads OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, which override
        # the app id as they do for daprd (createOtelResource).
        resource = Resource.create({"service.name": app_id})
        sampler = ParentBased(TraceIdRatioBased(min(spec.sampling_rate, 1.0)))
        # No atexit hook: the sidecar closes the provider in its own shutdown order.
        self._provider = TracerProvider(resource=resource, sampler=sampler, shutdown_on_exit=False)
        self.ring = SpanRing(ring_size)
        self._provider.add_span_processor(self.ring)
        if processors is None:
            processors = tuple(BatchSpanProcessor(e) for e in span_exporters(spec))
        for processor in processors:
            self._provider.add_span_processor(processor)
        self._tracer = self._provider.get_tracer("daprlite")

    def output(
        self,
        binding: str,
        api: ApiProtocol,
        context: Mapping[str, str],
        details: HttpDetails | None = None,
    ) -> OutputTrace:
        name = f"/v1.0/bindings/{binding}" if api == "http" else INVOKE_BINDING_METHOD
        span = self._tracer.start_span(name, _parent(context), kind=SpanKind.CLIENT)
        if span.is_recording():
            # daprd's appendBindingsSpanAttributes (HTTP) / InvokeBindingRequest (gRPC).
            attributes: dict[str, str] = {
                "db.system": "bindings",
                "db.connection_string": "bindings",
                "db.name": binding,
                "dapr.protocol": api,
            }
            if api == "http":
                attributes["db.statement"] = f"POST /v1.0/bindings/{binding}"
                attributes["dapr.api"] = f"POST /v1.0/bindings/{binding}"
                if details is not None:
                    attributes.update(details())
            else:
                attributes["rpc.service"] = "Dapr"
                attributes["db.statement"] = INVOKE_BINDING_METHOD
                attributes["dapr.api"] = INVOKE_BINDING_METHOD
            span.set_attributes(attributes)
        return _OutputSpan(span, api, context, _inherited_flags(context))

    def input(self, binding: str, app: ApiProtocol, metadata: Mapping[str, str]) -> InputTrace:
        incoming = trace_context(metadata)
        parent = _parent(incoming)
        span = self._tracer.start_span(f"bindings/{binding}", parent, SpanKind.CLIENT)
        if span.is_recording():
            target = f"POST /{binding}" if app == "http" else ON_BINDING_EVENT_METHOD
            span.set_attributes(
                {
                    "db.name": binding,
                    "rpc.service": "Dapr",
                    "db.system": "bindings",
                    "db.connection_string": target,
                }
            )
        # daprd gives a gRPC app traceparent/tracestate only when the record had a valid one
        # (a grpc-dotnet workaround); an HTTP app always gets the span's.
        forward = app == "http" or parent is not None
        return _InputSpan(span, app, _inherited_flags(incoming), forward=forward)

    def recent_spans(self) -> list[dict[str, Any]]:
        return self.ring.snapshot()

    async def close(self) -> None:
        # shutdown() flushes the batch processors, which may wait on an exporter's socket.
        await asyncio.get_running_loop().run_in_executor(None, self._provider.shutdown)


def _parent(context: Mapping[str, str]) -> Context | None:
    """The remote parent of a span, or None (a new root) when `traceparent` is absent or bad."""
    value = context.get("traceparent")
    parsed = parse_traceparent(value) if value else None
    if parsed is None:
        return None
    try:
        state = TraceState.from_header([context["tracestate"]]) if "tracestate" in context else None
    except ValueError:
        state = None
    remote = SpanContext(
        parsed.trace_id,
        parsed.span_id,
        is_remote=True,
        trace_flags=TraceFlags(parsed.flags & 1),
        trace_state=state,
    )
    return trace.set_span_in_context(NonRecordingSpan(remote))


def _inherited_flags(context: Mapping[str, str]) -> int:
    """The caller's trace flags other than `sampled`, which daprd's Go SDK passes on to the
    child span (a new root gets none: daprd writes `-01`, never the Python SDK's `-03`)."""
    parsed = parse_traceparent(context.get("traceparent", ""))
    return parsed.flags & 0xFE if parsed is not None else 0


def _w3c(span: trace.Span, inherited: int) -> dict[str, str]:
    ctx = span.get_span_context()
    flags = (ctx.trace_flags & 0x01) | inherited
    context = {"traceparent": format_traceparent(ctx.trace_id, ctx.span_id, flags)}
    state = ctx.trace_state.to_header() if ctx.trace_state else ""
    if state:
        context["tracestate"] = state
    return context


class _OutputSpan:
    __slots__ = ("_api", "_context", "_incoming", "_span")

    def __init__(
        self, span: trace.Span, api: ApiProtocol, incoming: Mapping[str, str], inherited: int
    ) -> None:
        self._span, self._api, self._incoming = span, api, incoming
        self._context = _w3c(span, inherited)
        # A tracestate the caller sent but the SDK could not parse still travels on, as text.
        if "tracestate" not in self._context and incoming.get("tracestate"):
            self._context["tracestate"] = incoming["tracestate"]

    def metadata(self, metadata: Mapping[str, str]) -> Mapping[str, str]:
        if self._api == "http":
            # daprd's HTTP handler overwrites them with its own span (the caller's is the parent).
            return context_metadata(metadata, self._context)
        # daprd's InvokeBinding sets its span's context only where the request has none, then
        # copies the call's metadata over it: a caller's traceparent wins on gRPC.
        merged = {**self._context, **metadata}
        merged.update(self._incoming)
        return merged

    def response_headers(self) -> tuple[tuple[str, str], ...]:
        return (("Traceparent", self._context["traceparent"]),)

    def end(self, status: int, error: str | None) -> None:
        if self._span.is_recording():
            self._span.set_attribute("dapr.status_code", status)
            if error is not None:
                # daprd: "Code(N): <text>" for HTTP; gRPC errors map to the status' message.
                label = f"Code({status})" if self._api == "http" else f"rpc code {status}"
                self._span.set_status(Status(StatusCode.ERROR, f"{label}: {error}"))
        self._span.end()


class _InputSpan:
    __slots__ = ("_app", "_forward", "_inherited", "_span")

    def __init__(
        self, span: trace.Span, app: ApiProtocol, inherited: int, *, forward: bool
    ) -> None:
        self._span, self._app, self._forward = span, app, forward
        self._inherited = inherited

    def context(self) -> dict[str, str]:
        if not self._forward:
            return {}
        context = _w3c(self._span, self._inherited)
        if len(context.get("tracestate", "")) > MAX_TRACESTATE_LEN:
            del context["tracestate"]
        return context

    def end(self, status: int, error: str | None) -> None:
        if error is not None and self._span.is_recording():
            label = f"Code({status})" if self._app == "http" else f"rpc code {status}"
            self._span.set_status(Status(StatusCode.ERROR, f"{label}: {error}"))
        self._span.end()

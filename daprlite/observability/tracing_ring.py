"""A bounded in-memory record of a sidecar's recent spans, so traces can be looked at with no
Zipkin and no collector (a later dashboard reads it)."""

from __future__ import annotations

from collections import deque
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor


class SpanRing(SpanProcessor):
    """Keeps the last `size` finished spans; the oldest falls out. Appending to a bounded deque
    is atomic, so the SDK may end spans from any thread."""

    def __init__(self, size: int) -> None:
        self._spans: deque[ReadableSpan] = deque(maxlen=size)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        self._spans.append(span)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def snapshot(self) -> list[dict[str, Any]]:
        """The kept spans, oldest first, as plain values (ids in W3C hex)."""
        return [_plain(span) for span in list(self._spans)]


def _plain(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.get_span_context()
    parent = span.parent
    assert ctx is not None  # the SDK's spans always have one
    return {
        "name": span.name,
        "kind": span.kind.name,
        "traceId": f"{ctx.trace_id:032x}",
        "spanId": f"{ctx.span_id:016x}",
        "parentSpanId": f"{parent.span_id:016x}" if parent is not None else "",
        "startUnixNano": span.start_time,
        "endUnixNano": span.end_time,
        "status": span.status.status_code.name,
        "statusMessage": span.status.description or "",
        "attributes": dict(span.attributes or {}),
        "serviceName": str(span.resource.attributes.get("service.name", "")),
    }

"""`spec.tracing.stdout: true`: each finished span as one line of the sidecar's log, in the
words of daprd's stdout exporter (logger `dapr.runtime.trace`, here `daprlite.runtime.trace`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

log = logging.getLogger("daprlite.runtime.trace")


class LogSpanExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            log.info(span_line(span))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def span_line(span: ReadableSpan) -> str:
    """`[name] Trace: <trace id> Span: <parent id>/<span id> Time: [start ->  end] Annotations:
    [...]`, times as Go prints a time.Time (without its monotonic `m=+` reading)."""
    ctx = span.get_span_context()
    trace_id, span_id = (ctx.trace_id, ctx.span_id) if ctx is not None else (0, 0)
    parent = span.parent.span_id if span.parent is not None and span.parent.is_valid else 0
    events = " ".join(event.name for event in span.events)
    return (
        f"[{span.name}] Trace: {trace_id:032x} Span: {parent:016x}/{span_id:016x} "
        f"Time: [{go_time(span.start_time)} ->  {go_time(span.end_time)}] Annotations: [{events}]"
    )


def go_time(nanos: int | None) -> str:
    """Go's time.Time.String() for a UTC instant: `2026-12-01 11:48:03.123456789 +0000 UTC`,
    trailing zeros of the fraction dropped."""
    if nanos is None:
        return "0001-01-01 00:00:00 +0000 UTC"  # Go's zero time
    seconds, fraction = divmod(nanos, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:09d}".rstrip("0")
    return f"{stamp}{'.' + digits if digits else ''} +0000 UTC"

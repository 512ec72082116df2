"""Spans from every sidecar merged into traces, and a trace laid out as a waterfall: each span's
offset from the trace's start, its duration and its depth below its parent (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Span = Mapping[str, Any]

_NANOS_PER_MS = 1_000_000


def merge(span_lists: Iterable[tuple[str, Iterable[Span]]]) -> dict[str, list[dict[str, Any]]]:
    """(app id, spans) pairs -> traceId -> its spans sorted by start, each seen once. A span
    without `serviceName` is given its sidecar's app id."""
    traces: dict[str, dict[str, dict[str, Any]]] = {}
    for app_id, spans in span_lists:
        for span in spans:
            trace_id, span_id = str(span.get("traceId", "")), str(span.get("spanId", ""))
            if not trace_id or not span_id:
                continue
            entry = dict(span)
            entry["serviceName"] = span.get("serviceName") or app_id
            traces.setdefault(trace_id, {})[span_id] = entry
    return {
        trace_id: sorted(spans.values(), key=lambda s: int(s.get("startUnixNano") or 0))
        for trace_id, spans in traces.items()
    }


def _start(span: Span) -> int:
    return int(span.get("startUnixNano") or 0)


def _end(span: Span) -> int:
    return int(span.get("endUnixNano") or 0) or _start(span)


def summary(trace_id: str, spans: list[dict[str, Any]]) -> dict[str, Any]:
    """The list row of one trace: its root's name, services, start, duration, span count."""
    ids = {s["spanId"] for s in spans}
    roots = [s for s in spans if s.get("parentSpanId") not in ids]
    root = roots[0] if roots else spans[0]
    start, end = min(map(_start, spans)), max(map(_end, spans))
    services: list[str] = []
    for span in spans:
        if span["serviceName"] not in services:
            services.append(span["serviceName"])
    return {
        "traceId": trace_id,
        "root": f"{root['serviceName']}: {root.get('name', '')}",
        "services": services,
        "startUnixNano": start,
        "durationMs": (end - start) / _NANOS_PER_MS,
        "spans": len(spans),
        "error": any(s.get("status") == "ERROR" for s in spans),
    }


def summaries(traces: Mapping[str, list[dict[str, Any]]], limit: int = 100) -> list[dict[str, Any]]:
    """Newest first."""
    rows = [summary(trace_id, spans) for trace_id, spans in traces.items() if spans]
    rows.sort(key=lambda r: r["startUnixNano"], reverse=True)
    return rows[:limit]


def waterfall(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trace's spans in tree order (each parent before its children, siblings by start),
    with offsetMs/durationMs from the trace's start and their depth."""
    if not spans:
        return []
    ids = {s["spanId"] for s in spans}
    children: dict[str, list[dict[str, Any]]] = {}
    roots = []
    for span in sorted(spans, key=_start):
        parent = span.get("parentSpanId") or ""
        if parent in ids and parent != span["spanId"]:
            children.setdefault(parent, []).append(span)
        else:
            roots.append(span)
    origin = min(map(_start, spans))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(span: dict[str, Any], depth: int) -> None:
        if span["spanId"] in seen:  # a cycle in bad data must not loop for ever
            return
        seen.add(span["spanId"])
        duration = (_end(span) - _start(span)) / _NANOS_PER_MS
        rows.append(
            {
                **span,
                "depth": depth,
                "offsetMs": (_start(span) - origin) / _NANOS_PER_MS,
                "durationMs": duration,
                "label": f"{span['serviceName']}: {span.get('name', '')} ({duration:.2f} ms)",
            }
        )
        for child in children.get(span["spanId"], []):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    for span in spans:  # left over only when parents form a cycle
        visit(span, 0)
    return rows

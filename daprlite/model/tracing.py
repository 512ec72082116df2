"""The tracing seam: W3C trace context rules, the settings of `spec.tracing`, and the Tracer
protocol the APIs and app channels call. `NO_TRACER` is daprd with tracing off: no spans, the
caller's context passed on verbatim, and the all-zero `traceparent` when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

# What daprd writes into binding metadata when no trace is active: its no-op span's context.
ZERO_TRACEPARENT = "00-00000000000000000000000000000000-0000000000000000-00"
# daprd drops a longer tracestate on the way to an app (diagnostics MaxTracestateLen).
MAX_TRACESTATE_LEN = 512
# Unset samplingRate in a Configuration means this (daprd's defaultSamplingRate).
DEFAULT_SAMPLING_RATE = 1e-4

ApiProtocol = Literal["http", "grpc"]
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")


class TraceParent(NamedTuple):
    trace_id: int
    span_id: int
    flags: int

    @property
    def sampled(self) -> bool:
        return bool(self.flags & 1)


def parse_traceparent(value: str) -> TraceParent | None:
    """A valid W3C `traceparent`, or None (which daprd treats as no parent at all)."""
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_hex, span_hex, flags_hex, rest = match.groups()
    # Version ff is forbidden; version 00 has exactly four fields, later versions may add more.
    if version == "ff" or (version == "00" and rest is not None):
        return None
    trace_id, span_id = int(trace_hex, 16), int(span_hex, 16)
    if trace_id == 0 or span_id == 0:
        return None
    return TraceParent(trace_id, span_id, int(flags_hex, 16))


_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16


def is_valid_traceparent(value: str) -> bool:
    """parse_traceparent(value) is not None, without building the ids (the tracing-off path)."""
    match = _TRACEPARENT.fullmatch(value)
    if match is None:
        return parse_traceparent(value) is not None  # surrounding blanks: the slow path decides
    version, trace_hex, span_hex, _, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return False
    return trace_hex != _ZERO_TRACE and span_hex != _ZERO_SPAN


def format_traceparent(trace_id: int, span_id: int, flags: int) -> str:
    return f"00-{trace_id:032x}-{span_id:016x}-{flags & 0xFF:02x}"


@dataclass(frozen=True, slots=True)
class TracingSpec:
    """`spec.tracing` of a Dapr Configuration, as far as daprlite reads it."""

    sampling_rate: float = DEFAULT_SAMPLING_RATE
    zipkin_endpoint: str = ""
    otel_endpoint: str = ""
    otel_protocol: str = ""  # "http" or "grpc"; daprd makes no OTLP exporter without one
    otel_is_secure: bool = True

    @property
    def enabled(self) -> bool:
        # daprd: samplingRate "0" turns tracing off, whatever the exporters say.
        return self.sampling_rate > 0


class OutputTrace(Protocol):
    """The trace of one output binding call, from the API's request to its answer."""

    def metadata(self, metadata: Mapping[str, str]) -> Mapping[str, str]:
        """The binding's metadata with `traceparent`/`tracestate` as daprd sets them."""

    def response_headers(self) -> tuple[tuple[str, str], ...]:
        """Headers for the HTTP answer (daprd sends the span's `traceparent` back)."""

    def end(self, status: int, error: str | None) -> None:
        """The call finished with `status` (HTTP status or gRPC code); `error` if it failed."""


class InputTrace(Protocol):
    """The trace of one delivery attempt of an input event to the app."""

    def context(self) -> dict[str, str]:
        """`traceparent`/`tracestate` to send the app with this delivery (may be empty)."""

    def end(self, status: int, error: str | None) -> None: ...


# Attributes of an HTTP call that only a recording span reads, so they are built lazily.
HttpDetails = Callable[[], Mapping[str, str]]


class Tracer(Protocol):
    def output(
        self,
        binding: str,
        api: ApiProtocol,
        context: Mapping[str, str],
        details: HttpDetails | None = None,
    ) -> OutputTrace: ...

    def input(self, binding: str, app: ApiProtocol, metadata: Mapping[str, str]) -> InputTrace: ...

    def recent_spans(self) -> list[dict[str, Any]]:
        """The finished spans kept in memory (oldest first, as plain values), for a dashboard."""

    async def close(self) -> None:
        """Export what is still buffered, then stop."""


TRACE_KEYS = ("traceparent", "tracestate")


def trace_context(entries: Mapping[str, str]) -> dict[str, str]:
    """The W3C trace context among `entries` (HTTP headers, record metadata), lower-case keys;
    an empty value counts as absent, as Go's `Header.Get` cannot tell the two apart."""
    return {key: value for key in TRACE_KEYS if (value := entries.get(key))}


def context_metadata(metadata: Mapping[str, str], context: Mapping[str, str]) -> dict[str, str]:
    """`metadata` with the trace `context` written over it, or the all-zero `traceparent` when
    there is no context and the caller set none (daprd's no-op span)."""
    merged = dict(metadata)
    if context:
        merged.update(context)
    elif "traceparent" not in merged:
        merged["traceparent"] = ZERO_TRACEPARENT
    return merged


def event_context(metadata: Mapping[str, str]) -> dict[str, str]:
    """The trace context an input event carries (its record's headers), if valid."""
    parent = metadata.get("traceparent")
    if not parent or not is_valid_traceparent(parent):
        return {}
    context = {"traceparent": parent}
    state = metadata.get("tracestate")
    if state and len(state) <= MAX_TRACESTATE_LEN:
        context["tracestate"] = state
    return context


def _valid(context: Mapping[str, str]) -> bool:
    parent = context.get("traceparent")
    return bool(parent) and is_valid_traceparent(parent or "")


class _UntracedOutput:
    """An output call while tracing is off: the caller's context is passed on as it came."""

    __slots__ = ("_context",)

    def __init__(self, context: Mapping[str, str]) -> None:
        self._context = context

    def metadata(self, metadata: Mapping[str, str]) -> Mapping[str, str]:
        return context_metadata(metadata, self._context)

    def response_headers(self) -> tuple[tuple[str, str], ...]:
        return ()

    def end(self, status: int, error: str | None) -> None:
        pass


class _UntracedInput:
    __slots__ = ("_metadata",)

    def __init__(self, metadata: Mapping[str, str]) -> None:
        self._metadata = metadata

    def context(self) -> dict[str, str]:
        # Off, daprd forwards the record's trace headers verbatim; a gRPC app gets them as call
        # metadata too, so that its own spans still join the producer's trace.
        return event_context(self._metadata)

    def end(self, status: int, error: str | None) -> None:
        pass


class NoTracer:
    """Tracing off: no span, no clock read, a small object per call."""

    def output(
        self,
        binding: str,
        api: ApiProtocol,
        context: Mapping[str, str],
        details: HttpDetails | None = None,
    ) -> OutputTrace:
        # daprd's HTTP middleware reads the caller's context and finds none in a bad
        # traceparent; gRPC copies the call's metadata as it came.
        if api == "http" and context and not _valid(context):
            context = {}
        return _UntracedOutput(context)

    def input(self, binding: str, app: ApiProtocol, metadata: Mapping[str, str]) -> InputTrace:
        return _UntracedInput(metadata)

    def recent_spans(self) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        pass


NO_TRACER: Tracer = NoTracer()

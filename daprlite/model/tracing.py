"""The tracing seam: W3C trace context rules, the settings of `spec.tracing`, and the Tracer
protocol the APIs and app channels call. `NO_TRACER` is daprd with tracing off: no spans, the
caller's context passed on verbatim, and the all-zero `traceparent` when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
    # Sent with every OTLP export; may hold credentials, so never in a repr.
    otel_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    otel_timeout: float | None = None  # seconds; None: the exporter's default (10 s)
    stdout: bool = False  # each finished span written to the sidecar's log
    # Whether the file gave samplingRate: the OTEL_EXPORTER_OTLP_* fallback sets "1" only if not.
    sampling_rate_given: bool = True

    @property
    def enabled(self) -> bool:
        # daprd: samplingRate "0" turns tracing off, whatever the exporters say.
        return self.sampling_rate > 0


class OtelEnvironmentError(ValueError):
    """An OTEL_EXPORTER_OTLP_* variable daprd would refuse to start with."""


def otel_from_environment(
    spec: TracingSpec | None, environ: Mapping[str, str]
) -> TracingSpec | None:
    """`spec` completed from the OTEL_EXPORTER_OTLP_* variables, as daprd's
    SetTracingSpecFromEnv does (also with no Configuration at all). Nothing changes when the
    file gave an OTLP endpoint. Raises OtelEnvironmentError for bad headers or timeout."""
    if spec is not None and spec.otel_endpoint:
        return spec
    base = spec if spec is not None else TracingSpec(sampling_rate_given=False)
    changes: dict[str, object] = {}
    endpoint = _env(environ, "ENDPOINT")
    if endpoint:
        for scheme in ("http://", "https://"):  # daprd strips one of each, in this order
            endpoint = endpoint.removeprefix(scheme)
        changes["otel_endpoint"] = endpoint
        if not base.sampling_rate_given:
            changes["sampling_rate"] = 1.0
        # OTLP names grpc, http/protobuf and http/json; daprd keeps http or grpc (the default).
        protocol = _env(environ, "PROTOCOL")
        changes["otel_protocol"] = "http" if protocol.startswith("http") else "grpc"
        # Only the general variable, and only the exact text "true", as daprd reads it.
        if environ.get("OTEL_EXPORTER_OTLP_INSECURE") == "true":
            changes["otel_is_secure"] = False
    headers = _env(environ, "HEADERS")
    if headers:
        changes["otel_headers"] = base.otel_headers + _env_headers(headers)
    timeout = _env(environ, "TIMEOUT")
    if timeout:
        if not re.fullmatch(r"[+-]?[0-9]+", timeout):
            raise OtelEnvironmentError(f"OTEL_EXPORTER_OTLP_TIMEOUT is not a number: {timeout!r}")
        if int(timeout) > 0:
            changes["otel_timeout"] = int(timeout) / 1000.0  # milliseconds
    if not changes:
        return spec
    return replace(base, **changes)  # type: ignore[arg-type]


def _env(environ: Mapping[str, str], name: str) -> str:
    # The traces-only variable first, then the general one; an empty value counts as unset.
    return environ.get(f"OTEL_EXPORTER_OTLP_TRACES_{name}") or environ.get(
        f"OTEL_EXPORTER_OTLP_{name}", ""
    )


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _env_headers(text: str) -> tuple[tuple[str, str], ...]:
    """daprd's StringToHeader: `name=value` pairs split on commas, names checked, values
    %-unescaped and trimmed. Errors never show a value (it may be a credential)."""
    from urllib.parse import unquote

    headers: dict[str, str] = {}
    for pair in text.split(","):
        name, equals, value = pair.partition("=")
        if not equals:
            raise OtelEnvironmentError("OTEL_EXPORTER_OTLP_HEADERS: an entry has no '='")
        name = name.strip()
        if not _TOKEN.fullmatch(name):
            raise OtelEnvironmentError(f"OTEL_EXPORTER_OTLP_HEADERS: invalid header name {name!r}")
        if _BAD_ESCAPE.search(value):
            raise OtelEnvironmentError(f"OTEL_EXPORTER_OTLP_HEADERS: bad %-escape in {name}")
        headers[name] = unquote(value, errors="surrogateescape").strip()
    return tuple(headers.items())


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

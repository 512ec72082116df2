"""The span exporters `spec.tracing` asks for: OTLP over HTTP or gRPC, Zipkin, and the log."""

from __future__ import annotations

import logging

from opentelemetry.sdk.trace.export import SpanExporter

from daprlite.model.tracing import TracingSpec

log = logging.getLogger("daprlite.tracing")


def span_exporters(spec: TracingSpec) -> list[SpanExporter]:
    exporters: list[SpanExporter] = []
    if spec.stdout:
        from daprlite.observability.tracing_stdout import LogSpanExporter

        exporters.append(LogSpanExporter())
    if spec.otel_endpoint and spec.otel_protocol:
        exporters.append(_otlp(spec))
    elif spec.otel_endpoint:
        # daprd makes no exporter without a protocol; say so rather than export nothing silently.
        log.warning("tracing: otel.endpointAddress is set without otel.protocol; not exported")
    if spec.zipkin_endpoint:
        # Imported only when asked for: the Zipkin exporter is deprecated by the OTel spec and
        # kept for the configuration `dapr init` writes.
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        exporters.append(ZipkinExporter(endpoint=spec.zipkin_endpoint))
        log.info("tracing: exporting to zipkin at %s", spec.zipkin_endpoint)
    return exporters


def _otlp(spec: TracingSpec) -> SpanExporter:
    # daprd's endpointAddress is host:port (Go's otlptrace WithEndpoint); a URL is accepted too.
    address = spec.otel_endpoint.split("://", 1)[-1].rstrip("/")
    if spec.otel_protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        log.info("tracing: exporting over OTLP/gRPC to %s", address)
        return GrpcExporter(
            endpoint=address,
            insecure=not spec.otel_is_secure,
            headers=dict(spec.otel_headers) or None,
            timeout=spec.otel_timeout,
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    scheme = "https" if spec.otel_is_secure else "http"
    if "/" not in address:
        address += "/v1/traces"  # Go's otlptracehttp default path
    log.info("tracing: exporting over OTLP/HTTP to %s://%s", scheme, address)
    return OTLPSpanExporter(
        endpoint=f"{scheme}://{address}",
        headers=dict(spec.otel_headers) or None,
        timeout=spec.otel_timeout,
    )

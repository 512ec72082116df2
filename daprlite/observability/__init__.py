"""Metrics (Prometheus text, as daprd exports them) and tracing, behind the sidecar's seams
(model.observer, model.tracing). The heavy libraries (prometheus_client, OpenTelemetry) are
imported only when metrics or tracing are turned on.
"""

"""Metrics and tracing behind the sidecar's seams (model.observer, model.tracing)."""

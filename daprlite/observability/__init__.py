"""Metrics (Prometheus text, as daprd exports them) and tracing, behind the sidecar's seams
(model.observer, model.tracing). Nothing here is imported unless it is turned on.
"""

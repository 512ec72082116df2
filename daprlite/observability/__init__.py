"""Metrics as daprd exports them (Prometheus text), fed by the observer seam; tracing may join.

Nothing here is imported unless metrics are on: the sidecar's hot path then costs nothing.
"""

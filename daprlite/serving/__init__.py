"""Serving HTTP/1.1 without a framework: the sidecar's API and metrics ports."""

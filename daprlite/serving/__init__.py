"""HTTP/1.1 without a framework, on llhttp: the sidecar's API and metrics ports (http1) and
the app channel's requests (client)."""

"""Test app: sends one order through the output binding with its own `traceparent`, and prints
each input delivery it gets back (body and the `traceparent` header), answering 200.

Plain standard library, so the test sees a user's app: an HTTP server on APP_PORT and one
POST to its sidecar once the sidecar's outbound health check says it may."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BINDING = os.environ["BINDING_NAME"]
SIDECAR = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0"
CALLER = os.environ["CALLER_TRACEPARENT"]


class Handler(BaseHTTPRequestHandler):
    def do_OPTIONS(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        print(f"GOT {body.decode()} traceparent={self.headers.get('traceparent')}", flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def send_when_outbound_ready() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{SIDECAR}/healthz/outbound", timeout=2):
                break
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    request = urllib.request.Request(
        f"{SIDECAR}/bindings/{BINDING}",
        data=json.dumps({"operation": "create", "data": {"orderId": 7}}).encode(),
        headers={"Content-Type": "application/json", "traceparent": CALLER},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        print(f"SENT status={response.status}", flush=True)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), Handler)
    threading.Thread(target=send_when_outbound_ready, daemon=True).start()
    server.serve_forever()

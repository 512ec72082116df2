"""The consumer app of the dashboard tests: prints every delivery it takes, and answers 500 for
a body that contains `poison` (so its partition stalls while the binding retries).

Env: APP_PORT. Routes: /orders and /stalls (one per input binding of the tests).
"""

from __future__ import annotations

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTES = ("/orders", "/stalls")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_OPTIONS(self) -> None:
        self._answer(200)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path not in ROUTES:
            self._answer(404)
            return
        if b"poison" in body:
            self._answer(500)
            return
        print(f"received on {self.path[1:]}: {body.decode('utf-8', 'replace')}", flush=True)
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("printing app ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

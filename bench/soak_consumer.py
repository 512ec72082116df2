"""The soak's consumer, a nodeapp-style app under `daprlite run`: answers 200 to every order on
/soak and appends `id,key,seq,sentAt,receivedAt` to SOAK_RECORD for the driver to read."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_record = open(os.environ["SOAK_RECORD"], "a", buffering=1)  # noqa: SIM115 - the process's life


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_OPTIONS(self) -> None:
        self._answer(200)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/soak":
            self._answer(404)
            return
        order = json.loads(body)
        line = f"{order['orderId']},{order['key']},{order['seq']},{order['sentAt']},{time.time()}\n"
        with _lock:
            _record.write(line)
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
    server.serve_forever()


if __name__ == "__main__":
    main()

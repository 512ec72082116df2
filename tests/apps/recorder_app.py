"""A test app for the fault suite: records every delivery it accepts, one JSON line each.

Env: APP_PORT, RECORD_FILE (append-only log), INSTANCE (name written on each line),
ROUTE (default sample-topic), FAIL_IDS ("id:times,..." — answer 500 that many times first).
It prints `recorder ready pid=<pid>` once listening, so a test can find and kill it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTE = "/" + os.environ.get("ROUTE", "sample-topic")
RECORD_FILE = os.environ["RECORD_FILE"]
INSTANCE = os.environ.get("INSTANCE", "app")
FAILURES = {
    int(item.split(":")[0]): int(item.split(":")[1])
    for item in os.environ.get("FAIL_IDS", "").split(",")
    if item
}
_lock = threading.Lock()
_record = open(RECORD_FILE, "a", buffering=1)  # noqa: SIM115 - open for the process's life


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real app framework

    def do_OPTIONS(self) -> None:
        self._answer(200)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != ROUTE:
            self._answer(404)
            return
        message = json.loads(body)
        with _lock:
            left = FAILURES.get(message["id"], 0)
            if left:
                FAILURES[message["id"]] = left - 1
                self._answer(500)
                return
            line = {
                "id": message["id"],
                "key": message.get("key"),
                "seq": message.get("seq"),
                "instance": INSTANCE,
                "partition": self.headers.get("__partition"),
                "offset": self.headers.get("__offset"),
                "at": time.time_ns(),
            }
            _record.write(json.dumps(line) + "\n")
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass  # one line per request would drown the test output


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"recorder ready pid={os.getpid()}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

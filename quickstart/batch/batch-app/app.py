"""The batch app of the bindings quickstart: a cron input binding calls POST /cron every 10 s, and
each call writes the batch of orders in orders.json into PostgreSQL through the `sqldb` output
binding (operation `exec`), using the Dapr Python SDK over gRPC.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dapr.clients import DaprClient

APP_PORT = int(os.getenv("APP_PORT", "5002"))  # set by `daprlite run` / `dapr run --app-port`
CRON_BINDING = "cron"  # the input binding's name is the route the sidecar calls
SQL_BINDING = "sqldb"
# Upsert, so that every tick's batch lands and a rerun does not fail on the primary key.
INSERT = (
    "INSERT INTO orders (orderid, customer, price) VALUES ($1, $2, $3) "
    "ON CONFLICT (orderid) DO UPDATE SET customer = EXCLUDED.customer, price = EXCLUDED.price"
)
ORDERS = json.loads((Path(__file__).parent / "orders.json").read_text())["orders"]


def process_batch() -> None:
    print("Processing batch..", flush=True)
    with DaprClient() as client:
        for order in ORDERS:
            params = json.dumps([order["orderid"], order["customer"], order["price"]])
            client.invoke_binding(
                binding_name=SQL_BINDING,
                operation="exec",
                binding_metadata={"sql": INSERT, "params": params},
            )
            print(f"Order {order['orderid']} for {order['customer']} ({order['price']}) stored",
                  flush=True)  # fmt: skip
    print("Finished processing batch", flush=True)


class Handler(BaseHTTPRequestHandler):
    def do_OPTIONS(self) -> None:
        # The sidecar asks once whether the app wants the cron binding's calls.
        self._answer(200 if self.path == f"/{CRON_BINDING}" else 404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != f"/{CRON_BINDING}":
            self._answer(404)
            return
        try:
            process_batch()
        except Exception as exc:  # a failed batch answers 500; the next tick tries again
            print(f"Batch failed: {exc}", flush=True)
            self._answer(500)
            return
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the app's own lines are what the quickstart shows


if __name__ == "__main__":
    print(f"Batch app listening on port {APP_PORT}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", APP_PORT), Handler).serve_forever()

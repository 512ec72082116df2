"""Output-binding side of the bindings quickstart: every second, send an order to Kafka through
the sidecar's bindings API (POST /v1.0/bindings/sample-topic) and print what went and the answer.
"""

import itertools
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

import requests

DAPR_HTTP_PORT = os.getenv("DAPR_HTTP_PORT", "3500")  # set by `daprlite run` / `dapr run`
BINDING_URL = f"http://localhost:{DAPR_HTTP_PORT}/v1.0/bindings/sample-topic"
ORDER_COUNT = int(os.getenv("ORDER_COUNT", "0"))  # 0 or unset: forever
INTERVAL = float(os.getenv("ORDER_INTERVAL_SECONDS", "1"))


def main() -> int:
    orders: Iterable[int] = range(1, ORDER_COUNT + 1) if ORDER_COUNT > 0 else itertools.count(1)
    failures = 0
    with requests.Session() as session:
        for n in orders:
            payload: dict[str, Any] = {"data": {"orderId": n}, "operation": "create"}
            # flush: stdout is a pipe to the sidecar, and each line should show up as it happens.
            print(payload, flush=True)
            try:
                response = session.post(BINDING_URL, json=payload, timeout=10)
                print(response, flush=True)
                failures += not response.ok
            except requests.RequestException as exc:
                # E.g. the sidecar is not listening yet: say so and carry on with the next order.
                print(exc, flush=True)
                failures += 1
            if n != ORDER_COUNT:
                time.sleep(INTERVAL)
    # Only reached with ORDER_COUNT: a non-zero exit tells a script that some order did not go.
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

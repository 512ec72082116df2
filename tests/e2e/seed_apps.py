"""The seed's two apps, unchanged, each under a real `daprlite run` (the tutorial's two-terminal
form): the Node.js consumer first, then the Python producer sending `orders` orders. Whatever
broker `components` points at, every send answers 204 and the consumer prints orderIds 1..N in
order."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.runner import READY_MARK, DaprliteRun

ROOT = Path(__file__).resolve().parents[2]


def orders_flow_in_order(components: Path, app_port: int, orders: int, interval: float) -> None:
    node = DaprliteRun(
        ["--app-id", "bindings-nodeapp", "--app-port", str(app_port),
         "--components-path", str(components), "--", "node", "app.js"],
        cwd=ROOT / "quickstart" / "nodeapp",
    )  # fmt: skip
    try:
        node.wait_for(re.escape(READY_MARK), timeout=90)
        # The seed's form: flags after the app command, no `--`.
        python = DaprliteRun(
            ["--app-id", "bindings-pythonapp", "python3", "app.py",
             "--components-path", str(components)],
            cwd=ROOT / "quickstart" / "pythonapp",
            env={"ORDER_COUNT": str(orders), "ORDER_INTERVAL_SECONDS": str(interval)},
        )  # fmt: skip
        assert python.wait_exit(timeout=90) == 0, python.output
        assert python.output.count("== APP == <Response [204]>") == orders, python.output
        # The consumer's line says Kafka whatever the broker: the app is the seed's, unchanged.
        node.wait_for("== APP == Hello from Kafka!", count=orders, timeout=60)
        received = [int(m) for m in re.findall(r"== APP == .*orderId: (\d+)", node.output)]
        assert received == list(range(1, orders + 1)), node.output
    finally:
        code = node.stop()
    assert code == 143, node.output  # stopped by SIGTERM, as a shell reports it

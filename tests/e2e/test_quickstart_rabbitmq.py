"""The seed tutorial on RabbitMQ: the Python producer and the Node.js consumer, unchanged, with
only the component file swapped for components/examples/rabbitmq_bindings.example.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.rabbit_sidecar import unique
from tests.support.rabbitmq import RabbitServer

pytestmark = pytest.mark.rabbitmq

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "components" / "examples" / "rabbitmq_bindings.example.yaml"


def components_for(tmp_path: Path, server: RabbitServer, queue: str) -> Path:
    """The example component, pointed at the test server and a queue of its own."""
    text = EXAMPLE.read_text()
    assert "amqp://guest:guest@localhost:5672" in text and "value: sample\n" in text
    text = text.replace("amqp://guest:guest@localhost:5672", server.url())
    text = text.replace("value: sample\n", f"value: {queue}\n")
    folder = tmp_path / "components"
    folder.mkdir()
    (folder / "rabbitmq_bindings.yaml").write_text(text)
    return folder


def test_orders_flow_from_python_to_node_in_order_on_rabbitmq(
    tmp_path, rabbitmq_server, unused_tcp_port
) -> None:
    components = components_for(tmp_path, rabbitmq_server, unique("sample"))
    orders = 20
    node = DaprliteRun(
        ["--app-id", "bindings-nodeapp", "--app-port", str(unused_tcp_port),
         "--components-path", str(components), "--", "node", "app.js"],
        cwd=ROOT / "quickstart" / "nodeapp",
    )  # fmt: skip
    try:
        node.wait_for(re.escape(READY_MARK), timeout=90)
        python = DaprliteRun(
            ["--app-id", "bindings-pythonapp", "python3", "app.py",
             "--components-path", str(components)],
            cwd=ROOT / "quickstart" / "pythonapp",
            env={"ORDER_COUNT": str(orders), "ORDER_INTERVAL_SECONDS": "0.05"},
        )  # fmt: skip
        assert python.wait_exit(timeout=90) == 0, python.output
        # Each 204 came after RabbitMQ confirmed the message (publisher confirms).
        assert python.output.count("== APP == <Response [204]>") == orders, python.output
        # The consumer's log line still says Kafka: the app is the seed's, unchanged.
        node.wait_for("== APP == Hello from Kafka!", count=orders, timeout=60)
        received = [int(m) for m in re.findall(r"== APP == .*orderId: (\d+)", node.output)]
        assert received == list(range(1, orders + 1)), node.output
    finally:
        code = node.stop()
    assert code == 143, node.output

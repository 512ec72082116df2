"""The seed tutorial on RabbitMQ: the Python producer and the Node.js consumer, unchanged, with
only the component file swapped for components/examples/rabbitmq_bindings.example.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.seed_apps import orders_flow_in_order
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
    # Each 204 comes after RabbitMQ confirmed the message (publisher confirms).
    orders_flow_in_order(components, unused_tcp_port, orders=20, interval=0.05)

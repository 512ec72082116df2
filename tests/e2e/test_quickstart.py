"""The seed tutorial end to end: real `daprlite run`s, the Node.js and Python apps, real Kafka."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.runner import DaprliteRun
from tests.e2e.seed_apps import orders_flow_in_order

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[2]
SEED_COMPONENT = ROOT / "components" / "kafka_bindings.yaml"


def components_for(tmp_path: Path, bootstrap: str, topic: str) -> Path:
    """The seed's component file, pointed at the test broker and a topic of its own."""
    text = SEED_COMPONENT.read_text()
    text = text.replace("localhost:9092", bootstrap).replace("value: sample", f"value: {topic}")
    text = text.replace("value: group1", f"value: group-{topic}")
    folder = tmp_path / "components"
    folder.mkdir()
    (folder / "kafka_bindings.yaml").write_text(text)
    return folder


def test_orders_flow_from_python_to_node_in_order(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port
) -> None:
    components = components_for(tmp_path, kafka_broker.bootstrap, kafka_topic())
    orders_flow_in_order(components, unused_tcp_port, orders=10, interval=0.1)


def test_malformed_component_names_file_and_line_and_starts_nothing(tmp_path) -> None:
    folder = tmp_path / "components"
    folder.mkdir()
    bad = folder / "broken.yaml"
    bad.write_text("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: [oops\n")
    run = DaprliteRun(
        ["--app-id", "x", "--components-path", str(folder), "--", "python3", "-c", "print('hi')"],
        cwd=tmp_path,
    )
    assert run.wait_exit() != 0
    assert f"{bad}:" in run.output
    assert "== APP ==" not in run.output

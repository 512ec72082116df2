"""The seed tutorial end to end: real `daprlite run`s, the Node.js and Python apps, real Kafka."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.runner import READY_MARK, DaprliteRun

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
    orders = 10
    node = DaprliteRun(
        ["--app-id", "bindings-nodeapp", "--app-port", str(unused_tcp_port),
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
            env={"ORDER_COUNT": str(orders), "ORDER_INTERVAL_SECONDS": "0.1"},
        )  # fmt: skip
        assert python.wait_exit(timeout=90) == 0, python.output
        assert python.output.count("== APP == <Response [204]>") == orders, python.output
        node.wait_for("== APP == Hello from Kafka!", count=orders, timeout=60)
        received = [int(m) for m in re.findall(r"== APP == .*orderId: (\d+)", node.output)]
        assert received == list(range(1, orders + 1)), node.output
    finally:
        code = node.stop()
    assert code == 143, node.output  # stopped by SIGTERM, as a shell reports it


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

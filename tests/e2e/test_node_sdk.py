"""The official JavaScript SDK (@dapr/dapr, pinned in tests/apps/node-sdk) against real
`daprlite run` processes and the real broker: DaprClient sends, DaprServer receives."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.kafka_io import read_records
from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.components import write_component

NODE_APPS = Path(__file__).resolve().parents[1] / "apps" / "node-sdk"
BINDING = "js-orders"


def test_js_client_sends_and_js_server_receives_in_order(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port
) -> None:
    topic = kafka_topic()
    components = write_component(tmp_path / "components", BINDING, kafka_broker.bootstrap, topic)
    env = {"BINDING_NAME": BINDING}
    receiver = DaprliteRun(
        ["--app-id", "js-receiver", "--app-port", str(unused_tcp_port),
         "--components-path", str(components), "--", "node", "receive.js"],
        cwd=NODE_APPS,
        env=env,
    )  # fmt: skip
    orders = 20
    try:
        receiver.wait_for(re.escape(READY_MARK), timeout=90)
        # The SDK's server waits for the sidecar only after it listens; it must get through.
        receiver.wait_for("== APP == RECEIVER STARTED", timeout=60)
        sender = DaprliteRun(
            ["--app-id", "js-sender", "--components-path", str(components), "--",
             "node", "send.js"],
            cwd=NODE_APPS,
            env=env | {"ORDER_COUNT": str(orders)},
        )  # fmt: skip
        assert sender.wait_exit(timeout=90) == 0, sender.output
        assert sender.output.count("== APP == SENT ") == orders, sender.output
        receiver.wait_for(r"== APP == GOT ", count=orders, timeout=60)
    finally:
        receiver.stop()
    received = [json.loads(m) for m in re.findall(r"== APP == GOT (.*)", receiver.output)]
    assert received == [{"orderId": i} for i in range(1, orders + 1)], receiver.output

    # HTTP re-encodes `data` as daprd does (compact JSON); the key comes from partitionKey.
    records = read_records(kafka_broker.bootstrap, topic, orders)
    assert [r.value() for r in records] == [b'{"orderId":%d}' % i for i in range(1, orders + 1)]
    assert {r.key() for r in records} == {b"orders"}

    [line] = sender.wait_for(r"== APP == METADATA ")
    [component] = json.loads(line.split("METADATA ", 1)[1])
    assert component["name"] == BINDING
    assert component["capabilities"] == ["INPUT_BINDING", "OUTPUT_BINDING"]

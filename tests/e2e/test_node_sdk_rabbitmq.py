"""The official JavaScript SDK (@dapr/dapr, tests/apps/node-sdk) against real `daprlite run`
processes on a real RabbitMQ: DaprClient sends through the output, DaprServer receives."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.rabbit_sidecar import amqp_channel, rabbit_component, unique
from tests.support.rabbitmq import RabbitServer

pytestmark = pytest.mark.rabbitmq

NODE_APPS = Path(__file__).resolve().parents[1] / "apps" / "node-sdk"
BINDING = "js-orders"


def test_js_client_sends_and_js_server_receives_in_order_on_rabbitmq(
    tmp_path: Path, rabbitmq_server: RabbitServer, unused_tcp_port: int
) -> None:
    queue = unique("js")
    components = tmp_path / "components"
    components.mkdir()
    (components / "orders.yaml").write_text(rabbit_component(BINDING, rabbitmq_server, queue))
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
    [line] = sender.wait_for(r"== APP == METADATA ")
    [component] = json.loads(line.split("METADATA ", 1)[1])
    assert component["name"] == BINDING
    assert component["capabilities"] == ["INPUT_BINDING", "OUTPUT_BINDING"]
    # Every message was acknowledged: none is left on the queue.
    assert asyncio.run(queue_depth(rabbitmq_server, queue)) == 0


async def queue_depth(server: RabbitServer, queue: str) -> int | None:
    async with amqp_channel(server) as channel:
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count

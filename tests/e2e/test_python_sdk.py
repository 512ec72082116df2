"""The official Python SDK against real `daprlite run` processes and the real broker:
`DaprClient` over gRPC (output binding, metadata), and `dapr.ext.grpc` receiving inputs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tests.e2e.kafka_io import produce, read_records
from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.components import write_component

APPS = Path(__file__).resolve().parents[1] / "apps"
BINDING = "sdk-orders"


def test_dapr_client_invokes_binding_over_grpc_and_reads_metadata(
    tmp_path, kafka_broker, kafka_topic
) -> None:
    topic = kafka_topic()
    components = write_component(tmp_path / "components", BINDING, kafka_broker.bootstrap, topic)
    # Not valid JSON, not valid UTF-8: gRPC hands the bytes over as they are (HTTP would not).
    payload = b'\x00\xff{"b": 1,  "a": 2}\n'
    run = DaprliteRun(
        ["--app-id", "sdk-client", "--components-path", str(components), "--",
         sys.executable, str(APPS / "python_sdk_client.py")],
        cwd=tmp_path,
        env={"BINDING_NAME": BINDING, "PAYLOAD_HEX": payload.hex(), "PARTITION_KEY": "order-7"},
    )  # fmt: skip
    assert run.wait_exit(timeout=90) == 0, run.output
    assert "== APP == INVOKED data=b''" in run.output, run.output

    [record] = read_records(kafka_broker.bootstrap, topic, 1)
    assert record.value() == payload
    assert record.key() == b"order-7"

    [line] = run.wait_for(r"== APP == METADATA ")
    metadata = json.loads(line.split("METADATA ", 1)[1])
    assert metadata["id"] == "sdk-client"
    assert metadata["components"] == [
        {
            "name": BINDING,
            "type": "bindings.kafka",
            "version": "v1",
            "capabilities": ["INPUT_BINDING", "OUTPUT_BINDING"],
        }
    ]


def test_grpc_ext_app_receives_every_message_in_order(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port
) -> None:
    topic = kafka_topic()
    components = write_component(tmp_path / "components", BINDING, kafka_broker.bootstrap, topic)
    run = DaprliteRun(
        ["--app-id", "grpc-receiver", "--app-protocol", "grpc", "--app-port",
         str(unused_tcp_port), "--components-path", str(components), "--",
         sys.executable, str(APPS / "grpc_ext_receiver.py")],
        cwd=tmp_path,
        env={"BINDING_NAME": BINDING},
    )  # fmt: skip
    count = 50
    try:
        run.wait_for(re.escape(READY_MARK), timeout=90)
        produce(kafka_broker.bootstrap, topic, [f"msg-{i}".encode() for i in range(count)])
        run.wait_for(r"== APP == GOT ", count=count, timeout=60)
    finally:
        run.stop()
    received = re.findall(r"== APP == GOT msg-(\d+) topic=(\S+)", run.output)
    assert [int(n) for n, _ in received] == list(range(count)), run.output
    assert {t for _, t in received} == {topic}

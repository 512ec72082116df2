"""Kafka on the test's side of an e2e run: a component file for a topic, and reading/writing
records with confluent-kafka directly, so that the sidecar is checked from the outside."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Message, Producer

COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: bindings.kafka
  version: v1
  metadata:
    - name: brokers
      value: "{bootstrap}"
    - name: topics
      value: {topic}
    - name: consumerGroup
      value: group-{topic}
    - name: publishTopic
      value: {topic}
    - name: authType
      value: none
    - name: initialOffset
      value: oldest
"""


def component_folder(folder: Path, name: str, bootstrap: str, topic: str) -> Path:
    """A components folder with one Kafka binding `name` reading and writing `topic`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = COMPONENT.format(name=name, bootstrap=bootstrap, topic=topic)
    (folder / f"{name}.yaml").write_text(text)
    return folder


def read_records(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[Message]:
    """The first `count` records of `topic`, read from the start by a throw-away group."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"e2e-reader-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    records: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                records.append(message)
    finally:
        consumer.close()
    assert len(records) == count, f"read {len(records)}/{count} records of {topic}"
    return records


def produce(
    bootstrap: str, topic: str, values: list[bytes | None], key: bytes | None = None
) -> None:
    """Write `values` in order (None: a record with no value) and wait until all are acked."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for value in values:
        producer.produce(topic, value=value, key=key)
    assert producer.flush(30.0) == 0, "not every test record reached the broker"

"""Kafka on the test's side of an e2e run: reading and writing records with confluent-kafka
directly, so that the sidecar is checked from the outside."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import Consumer, Message, Producer


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

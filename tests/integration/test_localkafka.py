"""The session's real broker, started by LocalBroker: metadata, round trip, status, idempotence."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from daprlite.localkafka import BrokerSettings, LocalBroker, default_cache_dir
from daprlite.model.errors import BrokerError
from tests.support.ports import free_port

DEADLINE = 30.0


def test_broker_answers_metadata(kafka_broker: LocalBroker) -> None:
    metadata = AdminClient({"bootstrap.servers": kafka_broker.bootstrap}).list_topics(timeout=10)
    assert [f"{b.host}:{b.port}" for b in metadata.brokers.values()] == [kafka_broker.bootstrap]


def test_produce_consume_round_trip(kafka_broker: LocalBroker, kafka_topic) -> None:
    topic = kafka_topic(partitions=2)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for n in range(10):
        producer.produce(topic, value=f"m{n}".encode(), key=str(n % 2).encode())
    assert producer.flush(DEADLINE) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": kafka_broker.bootstrap,
            "group.id": f"g-{topic}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    received: list[bytes] = []
    deadline = time.monotonic() + DEADLINE
    try:
        while len(received) < 10 and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                received.append(message.value())
    finally:
        consumer.close()
    assert sorted(received) == sorted(f"m{n}".encode() for n in range(10))


def test_status_reports_running(kafka_broker: LocalBroker) -> None:
    status = kafka_broker.status()
    assert status.running
    assert status.pid is not None
    assert status.port == kafka_broker.settings.port
    assert status.version == "4.1.1"
    assert status.log_file.is_file()
    assert status.formatted


def test_second_start_is_a_no_op(kafka_broker: LocalBroker) -> None:
    before = kafka_broker.status().pid
    began = time.monotonic()
    kafka_broker.start()
    assert time.monotonic() - began < 5.0
    assert kafka_broker.status().pid == before


def test_a_second_broker_sees_the_first_through_its_home(kafka_broker: LocalBroker) -> None:
    # Another process (the CLI) finds the running broker via the state file alone.
    twin = LocalBroker(kafka_broker.settings)
    assert twin.status().pid == kafka_broker.status().pid


def test_busy_port_gives_a_broker_error_naming_it(
    kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    # The session broker holds its port: a second broker on it must refuse, not hang.
    other = LocalBroker(
        BrokerSettings(
            home=tmp_path,
            port=kafka_broker.settings.port,
            controller_port=free_port(),
            cache_dir=default_cache_dir(),
        )
    )
    with pytest.raises(BrokerError, match=f"port {kafka_broker.settings.port} "):
        other.start(timeout=10.0)
    assert not other.status().running

"""Session-wide fixtures: one real Apache Kafka broker, started by daprlite's own LocalBroker.

The broker runs in a temporary home on free loopback ports and reuses the user's jar cache.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from daprlite.localkafka import BrokerSettings, LocalBroker, default_cache_dir
from tests.support.postgres import postgres_server  # noqa: F401  (a session fixture)

TOPIC_DEADLINE = 30.0


def free_port() -> int:
    """A port nobody listens on right now. Kafka needs fixed ports in its config, so unlike the
    sidecar (which binds port 0 itself) we must pick one up front and accept a tiny race."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def broker_settings(home_factory: pytest.TempPathFactory) -> BrokerSettings:
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    return BrokerSettings(
        home=home_factory.mktemp("daprlite-home"),
        port=port,
        controller_port=controller_port,
        cache_dir=default_cache_dir(),
    )


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A running single-node broker for the whole session; use `kafka_broker.bootstrap`."""
    broker = LocalBroker(broker_settings(tmp_path_factory))
    try:
        broker.start(timeout=120.0)  # the first run may download the jars
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_admin(kafka_broker: LocalBroker) -> AdminClient:
    return AdminClient({"bootstrap.servers": kafka_broker.bootstrap})


@pytest.fixture
def kafka_topic(kafka_admin: AdminClient) -> Iterator[Callable[..., str]]:
    """A factory: `kafka_topic(partitions=1, prefix="test")` creates a uniquely named topic,
    waits until every partition has a leader, and returns its name. Deleted afterwards."""
    created: list[str] = []

    def create(partitions: int = 1, prefix: str = "test") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        futures = kafka_admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1)],
            operation_timeout=TOPIC_DEADLINE,
        )
        futures[name].result(timeout=TOPIC_DEADLINE)
        created.append(name)
        wait_for_topic(kafka_admin, name, partitions)
        return name

    yield create
    if created:
        # Best effort: the broker is thrown away at the end of the session anyway.
        kafka_admin.delete_topics(created, operation_timeout=5.0)


def wait_for_topic(admin: AdminClient, name: str, partitions: int) -> None:
    deadline = time.monotonic() + TOPIC_DEADLINE
    while True:
        topic = admin.list_topics(topic=name, timeout=5.0).topics.get(name)
        ready = (
            topic is not None
            and topic.error is None
            and len(topic.partitions) == partitions
            and all(p.leader >= 0 for p in topic.partitions.values())
        )
        if ready:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {name} had no leader for all partitions after 30s")
        time.sleep(0.05)  # polling interval of a deadline-bound wait, not a fixed delay

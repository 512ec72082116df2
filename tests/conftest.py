"""Session-wide fixtures: one real Apache Kafka broker, started by daprlite's own LocalBroker.

The broker runs in a temporary home on free loopback ports and reuses the user's jar cache.
Every test that needs it, directly or through another fixture, is marked `kafka`, so that
`-m "not kafka"` starts no broker.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from daprlite.localkafka import BrokerSettings, LocalBroker, default_cache_dir
from tests.support.kafka_cluster import kafka_cluster  # noqa: F401  (a session fixture)
from tests.support.mosquitto import mosquitto_server  # noqa: F401  (a session fixture)
from tests.support.ports import free_ports
from tests.support.postgres import postgres_server  # noqa: F401  (a session fixture)
from tests.support.rabbitmq import rabbitmq_server  # noqa: F401  (a session fixture)
from tests.support.redis import redis_server  # noqa: F401  (a session fixture)
from tests.support.wait import wait_until

TOPIC_DEADLINE = 30.0


def pytest_configure(config: pytest.Config) -> None:
    # Nothing under test reads or writes the user's own ~/.daprlite: `daprlite init` there
    # writes a config.yaml that every `daprlite run` without --config would pick up. The
    # session gets a home of its own (inherited by every process it starts); the jar cache
    # stays the user's, so no test downloads Kafka again.
    os.environ.setdefault("DAPRLITE_KAFKA_CACHE", str(default_cache_dir()))
    home = Path(tempfile.mkdtemp(prefix="daprlite-test-home-"))
    config.stash[_SESSION_HOME] = home
    os.environ["DAPRLITE_HOME"] = str(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_SESSION_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


_SESSION_HOME = pytest.StashKey[Path]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `fixturenames` is the closure: it holds `kafka_broker` also when a test asks only for
    # `kafka_topic` or another fixture built on it (and `kafka_cluster` likewise).
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "kafka_broker" in names or "kafka_cluster" in names:
            item.add_marker(pytest.mark.kafka)


def broker_settings(home_factory: pytest.TempPathFactory) -> BrokerSettings:
    # Kafka needs fixed ports in its config, so unlike the sidecar (which binds port 0 itself)
    # they are picked up front.
    port, controller_port = free_ports(2)
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
    def ready() -> bool:
        topic = admin.list_topics(topic=name, timeout=5.0).topics.get(name)
        return (
            topic is not None
            and topic.error is None
            and len(topic.partitions) == partitions
            and all(p.leader >= 0 for p in topic.partitions.values())
        )

    wait_until(ready, f"a leader for all {partitions} partitions of {name}", timeout=TOPIC_DEADLINE)

"""One world for the dashboard's API and browser tests (starting sidecars is the slow part):
the consumer and producer sidecars and the dashboard, on the session's broker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from daprlite.localkafka import LocalBroker
from tests.conftest import TOPIC_DEADLINE, wait_for_topic
from tests.dashboard.harness import World, start_world, stop_world


@pytest.fixture(scope="package")
def world(
    kafka_broker: LocalBroker, kafka_admin: AdminClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    suffix = uuid.uuid4().hex[:10]
    orders, stalls = f"dash-orders-{suffix}", f"dash-stalls-{suffix}"
    futures = kafka_admin.create_topics(
        [NewTopic(t, num_partitions=1, replication_factor=1) for t in (orders, stalls)],
        operation_timeout=TOPIC_DEADLINE,
    )
    for topic in (orders, stalls):
        futures[topic].result(timeout=TOPIC_DEADLINE)
        wait_for_topic(kafka_admin, topic, 1)
    world = start_world(
        tmp_path_factory.mktemp("dashboard"), kafka_broker.bootstrap, orders, stalls
    )
    try:
        yield world
    finally:
        stop_world(world)
        kafka_admin.delete_topics([orders, stalls], operation_timeout=5.0)

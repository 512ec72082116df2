"""A real 3-node Kafka KRaft cluster for the tests, started by daprlite's own LocalCluster.

Session-scoped and started only when a test asks for `kafka_cluster`; always stopped at the end.
The helpers read the cluster through the Admin API (leaders, in-sync replicas, topic configs)
and put a broken cluster back together (`heal`) so that one fault case never leaks into the next.
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from collections.abc import Iterable, Iterator

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from daprlite.localkafka import BrokerSettings, LocalCluster, NodePorts, default_cache_dir
from daprlite.localkafka import new_cluster as make_cluster
from tests.support.ports import free_ports
from tests.support.wait import wait_until

NODES = 3
START_TIMEOUT = 180.0  # three JVMs starting at once on a loaded 2-core machine
SYNC_TIMEOUT = 90.0


def new_cluster(home_factory: pytest.TempPathFactory, size: int = NODES) -> LocalCluster:
    # Kafka needs fixed ports in its config, so they are picked up front (two per node).
    ports = free_ports(2 * size)
    nodes = [NodePorts(n + 1, ports[2 * n], ports[2 * n + 1]) for n in range(size)]
    base = BrokerSettings(
        home=home_factory.mktemp("daprlite-cluster-home"), cache_dir=default_cache_dir()
    )
    return make_cluster(base, size, nodes)


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A running 3-node cluster for the whole session; use `kafka_cluster.bootstrap`."""
    cluster = new_cluster(tmp_path_factory)
    try:
        cluster.start(timeout=START_TIMEOUT)
        yield cluster
    finally:
        cluster.stop()


def admin_of(cluster: LocalCluster) -> AdminClient:
    return AdminClient({"bootstrap.servers": cluster.bootstrap})


def create_topic(cluster: LocalCluster, partitions: int = 1, prefix: str = "cluster") -> str:
    """A new topic with the brokers' own replication defaults (no factor given, as
    auto-creation does); returns once every partition has a leader and a full ISR."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    admin = admin_of(cluster)
    admin.create_topics([NewTopic(name, num_partitions=partitions)])[name].result(timeout=30)
    wait_in_sync(cluster, [name])
    return name


def topic_config(cluster: LocalCluster, topic: str, key: str) -> str:
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    admin = admin_of(cluster)  # kept until the answer: a dropped client cancels its futures
    [future] = admin.describe_configs([resource]).values()
    return str(future.result(timeout=30)[key].value)


def replicas_of(cluster: LocalCluster, topic: str, partition: int = 0) -> tuple[int, list[int]]:
    """(leader, replicas) of one partition, as the cluster's metadata has them now."""
    metadata = admin_of(cluster).list_topics(topic=topic, timeout=10)
    info = metadata.topics[topic].partitions[partition]
    return int(info.leader), list(info.replicas)


def leader_of(cluster: LocalCluster, topic: str, partition: int = 0) -> int:
    return replicas_of(cluster, topic, partition)[0]


def wait_in_sync(cluster: LocalCluster, topics: Iterable[str] | None = None) -> None:
    """Wait until every partition of `topics` (all topics when None) has a leader and all its
    replicas in sync: a restarted node has caught up."""
    wanted = None if topics is None else set(topics)

    def in_sync() -> bool:
        try:
            metadata = admin_of(cluster).list_topics(timeout=5)
        except Exception:  # KafkaException while a node is still coming back
            return False
        names = wanted if wanted is not None else set(metadata.topics)
        if not names <= set(metadata.topics) or len(metadata.brokers) < cluster.size:
            return False
        return all(
            p.leader >= 0 and set(p.isrs) == set(p.replicas)
            for name in names
            for p in metadata.topics[name].partitions.values()
        )

    wait_until(in_sync, "every partition led and fully in sync", timeout=SYNC_TIMEOUT, interval=0.5)


def freeze(cluster: LocalCluster, node_id: int) -> int:
    """SIGSTOP a node: a hung broker (its sockets still accept), not a dead one. Its pid."""
    pid = cluster.node(node_id).status().pid
    assert pid is not None, f"node {node_id} is not running"
    os.kill(pid, signal.SIGSTOP)
    return pid


def thaw(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)


def heal(cluster: LocalCluster) -> None:
    """Continue frozen nodes, start dead ones, and wait until every partition is in sync."""
    for node in cluster.nodes:
        status = node.status()
        if status.pid is not None:
            thaw(status.pid)
    for node in cluster.nodes:
        node.launch()
    for node in cluster.nodes:
        node.wait_ready(START_TIMEOUT)
    wait_in_sync(cluster)

"""The test session's 3-node cluster, started by LocalCluster: replication defaults, status per
node, and a round trip through daprlite sidecars whose component lists every node."""

from __future__ import annotations

from pathlib import Path

from daprlite.localkafka import LocalCluster
from tests.faults.harness import (
    Sender,
    fault_components,
    start_consumer,
    start_sender,
    wait_delivered,
)
from tests.support.kafka_cluster import create_topic, replicas_of, topic_config
from tests.support.ports import free_port


def test_topics_get_three_replicas_and_two_in_sync(kafka_cluster: LocalCluster) -> None:
    topic = create_topic(kafka_cluster, partitions=3)
    for partition in range(3):
        leader, replicas = replicas_of(kafka_cluster, topic, partition)
        assert sorted(replicas) == [1, 2, 3]
        assert leader in replicas
    assert topic_config(kafka_cluster, topic, "min.insync.replicas") == "2"


def test_status_shows_every_node_alive_with_its_leaders(kafka_cluster: LocalCluster) -> None:
    create_topic(kafka_cluster, partitions=6)
    status = kafka_cluster.status()
    assert [(n.node_id, n.roles, n.alive) for n in status.nodes] == [
        (1, "broker,controller", True),
        (2, "broker,controller", True),
        (3, "broker,controller", True),
    ]
    assert all(n.pid for n in status.nodes)
    assert [n.port for n in status.nodes] == [b.settings.port for b in kafka_cluster.nodes]
    leaders = [n.leaders for n in status.nodes]
    assert None not in leaders
    assert sum(n for n in leaders if n is not None) >= 6  # this topic's, and any other's


async def test_sidecars_produce_and_consume_on_the_cluster(
    tmp_path: Path, kafka_cluster: LocalCluster
) -> None:
    topic = create_topic(kafka_cluster, partitions=3)
    assert kafka_cluster.bootstrap.count(",") == 2  # the component lists all three nodes
    components = fault_components(tmp_path / "c", kafka_cluster.bootstrap, topic)
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        await sender.send(60, keys=6)
        ledger = await wait_delivered(sender.acked, [record], timeout=60)
    finally:
        for run in (sender_run, consumer):
            run.stop()
    assert sender.acked == set(range(60)), sender.failed
    assert ledger.ids == sender.acked
    assert ledger.duplicates == 0
    assert ledger.out_of_order_keys() == []
    assert {line["partition"] for line in ledger.lines} == {"0", "1", "2"}

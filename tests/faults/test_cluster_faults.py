"""Faults a cluster brings, counted on the session's 3-node cluster: a partition leader killed,
every node restarted in turn, a node hung for 20 s, a consumer killed while a new leader is
being elected, and two of three nodes gone. Nothing acknowledged is lost; a publish caught in a
failover either succeeds or answers 500 within publishTimeout, never a 204 for a record that
fewer than min.insync.replicas (2) nodes hold.

Each case starts from a healthy cluster and leaves one (`heal`), so cases never leak faults.
Kafka's own timeouts are left at their defaults: the controller fences a silent node after
broker.session.timeout.ms (9 s), which is how long a leader's partitions go without one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daprlite.localkafka import LocalCluster
from tests.faults.harness import (
    Counts,
    Ledger,
    Sender,
    fault_components,
    kill_hard,
    start_consumer,
    start_sender,
    wait_delivered,
)
from tests.faults.scenarios import stop_all
from tests.faults.test_faults import redelivery_bound
from tests.support.kafka_cluster import (
    START_TIMEOUT,
    create_topic,
    freeze,
    heal,
    leader_of,
    replicas_of,
    thaw,
    topic_config,
    wait_in_sync,
)
from tests.support.ports import free_port
from tests.support.wait import eventually

# Short enough that a publish stuck on a dead or hung leader fails inside the case; long enough
# that most of them outlast the 9 s failover and succeed.
PUBLISH_TIMEOUT = 10.0
# The Kafka binding's bound beyond publishTimeout: librdkafka scans for expired records about
# once a second, and the binding answers by itself 5 s after publishTimeout at the latest.
REPORT_MARGIN = 5.0


@pytest.fixture
def healthy_cluster(kafka_cluster: LocalCluster) -> Iterator[LocalCluster]:
    heal(kafka_cluster)  # whatever a case before this one broke
    yield kafka_cluster
    heal(kafka_cluster)


def durable_topic(cluster: LocalCluster, partitions: int = 1) -> str:
    """A topic made with the brokers' defaults, checked to be what a 204 relies on: three
    replicas, and acks=all answered only once two of them hold the record."""
    topic = create_topic(cluster, partitions=partitions, prefix="faults")
    assert sorted(replicas_of(cluster, topic)[1]) == [1, 2, 3]
    assert topic_config(cluster, topic, "min.insync.replicas") == "2"
    return topic


def components_for(tmp_path: Path, cluster: LocalCluster, topic: str) -> Path:
    return fault_components(
        tmp_path / "c", cluster.bootstrap, topic, publishTimeout=f"{PUBLISH_TIMEOUT:g}s"
    )


def check_publish_answers(sender: Sender) -> str:
    """Every publish got a 204 or a 500, within publishTimeout (plus the binding's margin);
    returns the note for the table."""
    assert all(f.status == 500 for f in sender.failed.values()), sender.failed
    slowest = max(sender.took.values())
    assert slowest <= PUBLISH_TIMEOUT + REPORT_MARGIN, f"a publish took {slowest:.1f}s"
    return f"{len(sender.failed)} answered 500; slowest answer {slowest:.1f}s"


def deliveries(records: list[Path]) -> int:
    return len(Ledger.read(records).ids)


LEADER_RATE = 50  # messages a second, over 4 keys of one partition


async def test_partition_leader_sigkilled_mid_stream(tmp_path, healthy_cluster, record_counts):
    cluster = healthy_cluster
    topic = durable_topic(cluster)
    components = components_for(tmp_path, cluster, topic)
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(1000, keys=4, rate=LEADER_RATE))
        await eventually(lambda: deliveries([record]) >= 150, "150 deliveries", timeout=30)
        leader = await asyncio.to_thread(leader_of, cluster, topic)
        await asyncio.to_thread(cluster.node(leader).kill)
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=120)
        new_leader = await asyncio.to_thread(leader_of, cluster, topic)
    finally:
        stop_all(sender_run, consumer)
    note = check_publish_answers(sender)
    record_counts.append(
        Counts.of(
            "cluster: partition leader SIGKILLed",
            sender,
            ledger,
            note=f"node {leader} -> {new_leader}; {note}",
        )
    )
    assert new_leader not in (leader, -1)
    assert sender.acked, "nothing was acknowledged"
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    # The consumer lives on, so a message comes twice only if a commit is lost and a rebalance
    # follows: the group coordinator may have died with the leader, and then commits fail until
    # its successor is elected. The consumer fetches nothing new meanwhile (the partition has no
    # leader either), so what it handled past its last commit is what it held when the node
    # died: the crash bound of one commit window, as for a killed sidecar.
    assert ledger.duplicates <= redelivery_bound(LEADER_RATE)


ROLLING_RATE = 40  # messages a second, over 6 keys and 3 partitions


async def test_rolling_restart_of_every_node(tmp_path, healthy_cluster, record_counts):
    cluster = healthy_cluster
    topic = durable_topic(cluster, partitions=3)
    components = components_for(tmp_path, cluster, topic)
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    started = time.monotonic()
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(100_000, keys=6, rate=ROLLING_RATE))
        await eventually(lambda: deliveries([record]) >= 100, "100 deliveries", timeout=30)
        for node in cluster.nodes:  # as an operator upgrades: one node, back in sync, the next
            await asyncio.to_thread(node.stop)
            await asyncio.to_thread(node.start, START_TIMEOUT)
            await asyncio.to_thread(wait_in_sync, cluster)
        # Traffic on the restarted cluster before the stream ends.
        after = deliveries([record]) + 100
        await eventually(lambda: deliveries([record]) >= after, "100 more deliveries", timeout=60)
        sender.stop()
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=120)
    finally:
        stop_all(sender_run, consumer)
    note = check_publish_answers(sender)
    record_counts.append(
        Counts.of(
            "cluster: rolling restart of 3 nodes",
            sender,
            ledger,
            note=f"{time.monotonic() - started:.0f}s; {note}",
        )
    )
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    # A controlled shutdown hands leadership over first, so producers see no gap; the group
    # coordinator moves three times, and each move may fail the one commit in flight. If a
    # rebalance follows one, a commit window comes again: at most three crash bounds.
    assert ledger.duplicates <= 3 * redelivery_bound(ROLLING_RATE)


FREEZE_SECONDS = 20.0
FREEZE_RATE = 40  # messages a second, over 16 keys of one partition: 16 publishes hang at once


async def test_leader_frozen_twenty_seconds(tmp_path, healthy_cluster, record_counts):
    cluster = healthy_cluster
    topic = durable_topic(cluster)
    components = components_for(tmp_path, cluster, topic)
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(100_000, keys=16, rate=FREEZE_RATE))
        await eventually(lambda: deliveries([record]) >= 100, "100 deliveries", timeout=30)
        frozen = await asyncio.to_thread(leader_of, cluster, topic)
        pid = freeze(cluster, frozen)
        try:
            await asyncio.sleep(FREEZE_SECONDS)  # the fault itself: a hung broker for 20 s
        finally:
            thaw(pid)
        after = deliveries([record]) + 100
        await eventually(lambda: deliveries([record]) >= after, "100 more deliveries", timeout=90)
        sender.stop()
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=120)
        leader = await asyncio.to_thread(leader_of, cluster, topic)
    finally:
        stop_all(sender_run, consumer)
    note = check_publish_answers(sender)
    record_counts.append(
        Counts.of(
            "cluster: leader SIGSTOPped 20 s",
            sender,
            ledger,
            note=f"node {frozen} froze, leader now {leader}; {note}",
        )
    )
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    # Fenced after 9 s, the hung leader comes back a follower and truncates what only it held:
    # records never acknowledged (acks=all needed the others). Redeliveries, as for a killed
    # leader, need a lost commit and a rebalance: one crash bound.
    assert ledger.duplicates <= redelivery_bound(FREEZE_RATE)


ELECTION_RATE = 50  # messages a second, over 4 keys of one partition


async def test_consumer_killed_during_a_leader_election(tmp_path, healthy_cluster, record_counts):
    cluster = healthy_cluster
    topic = durable_topic(cluster)
    components = components_for(tmp_path, cluster, topic)
    records = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    app_port = free_port()
    consumer = start_consumer("a", components, tmp_path, app_port, records[0])
    sender_run, port = start_sender(components, tmp_path)
    restarted = None
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(1000, keys=4, rate=ELECTION_RATE))
        await eventually(lambda: deliveries(records) >= 150, "150 deliveries", timeout=30)
        leader = await asyncio.to_thread(leader_of, cluster, topic)
        node_killed_at = time.time_ns()
        await asyncio.to_thread(cluster.node(leader).kill)
        await asyncio.to_thread(kill_hard, consumer)
        consumer_killed_at = time.time_ns()
        # Still the dead node (or none): the controller has not fenced it yet, so the consumer
        # died while the partition was between leaders.
        during = await asyncio.to_thread(leader_of, cluster, topic)
        restarted = await asyncio.to_thread(
            start_consumer, "b", components, tmp_path, app_port, records[1]
        )
        await sending
        ledger = await wait_delivered(sender.acked, records, timeout=120)
        new_leader = await asyncio.to_thread(leader_of, cluster, topic)
    finally:
        stop_all(sender_run, consumer, restarted)
    before = Ledger.read(records[:1])
    redelivered = len(before.ids & Ledger.read(records[1:]).ids)
    # What the killed consumer handled after the node died, when a commit may already have been
    # failing (the coordinator may have died with the node): it comes again on top of the crash
    # bound of one commit window.
    in_gap = sum(
        node_killed_at <= int(str(line["at"])) <= consumer_killed_at for line in before.lines
    )
    bound = redelivery_bound(ELECTION_RATE) + in_gap
    note = check_publish_answers(sender)
    record_counts.append(
        Counts.of(
            "cluster: consumer killed in election",
            sender,
            ledger,
            note=f"{redelivered} came again (bound {bound}); node {leader} -> {new_leader}; {note}",
        )
    )
    assert during in (leader, -1), "the election was over before the consumer was killed"
    assert new_leader not in (leader, -1)
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    assert redelivered <= bound


async def test_no_204_with_two_of_three_nodes_gone(tmp_path, healthy_cluster, record_counts):
    cluster = healthy_cluster
    topic = durable_topic(cluster)
    components = components_for(tmp_path, cluster, topic)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        await sender.send(10)
        leader, replicas = await asyncio.to_thread(replicas_of, cluster, topic)
        for follower in (r for r in replicas if r != leader):
            await asyncio.to_thread(cluster.node(follower).kill)
        failing = Sender(port)
        await failing.send(5, keys=5)  # all five at once, to the leader left alone
    finally:
        stop_all(sender_run)
    note = check_publish_answers(failing)
    record_counts.append(
        Counts(
            "cluster: 2 of 3 nodes gone, no 204",
            sent=sender.sent + failing.sent,
            acked=len(sender.acked) + len(failing.acked),
            delivered=0,
            duplicated=0,
            lost=0,
            note=note,
        )
    )
    assert sender.acked == set(range(10))
    # The leader alone holds each record: below min.insync.replicas, so acks=all never comes.
    assert failing.acked == set()
    assert set(failing.failed) == set(range(5))
    assert all("ERR_INVOKE_OUTPUT_BINDING" in f.body for f in failing.failed.values())

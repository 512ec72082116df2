"""Message-queue guarantees under faults, counted: nothing acknowledged is lost, order per key
is kept, and duplicates happen only where a fault interrupted a commit."""

from __future__ import annotations

import asyncio
import time

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
from tests.faults.scenarios import app_answers_500_three_times, app_killed_and_restarted, stop_all
from tests.support.ports import free_port
from tests.support.wait import eventually

# The README's promise: handled offsets are committed every 250 ms, so a crash (or commits that
# fail while the broker is away) redelivers at most the last 250 ms of handled messages.
COMMIT_WINDOW = 0.25


def redelivery_bound(rate: float) -> int:
    """The most redeliveries a lost commit may cause at `rate` messages a second: 2.5 commit
    windows' worth. One window is the promise; storing a handled offset can lag it by one
    100 ms poll of the consumer thread (1.4 windows in all); the rest is room for scheduling on
    a loaded 2-core machine. A regression to the old 1 s commit interval (4 windows; 86
    redeliveries after a SIGKILL and 24 after an outage were measured then) fails it."""
    return int(2.5 * COMMIT_WINDOW * rate)


async def test_app_answers_500_three_times(tmp_path, kafka_broker, kafka_topic, record_counts):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic())
    await app_answers_500_three_times(tmp_path, components, "app 500 x3 for one message",
                                      record_counts)  # fmt: skip


async def test_app_killed_and_restarted(tmp_path, kafka_broker, kafka_topic, record_counts):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic())
    await app_killed_and_restarted(tmp_path, components, "app killed and restarted", record_counts)


OUTAGE_RATE = 30  # messages a second, over 4 keys


async def test_broker_down_for_ten_seconds(tmp_path, own_broker, record_counts):
    components = fault_components(tmp_path / "c", own_broker.bootstrap, "faults-broker")
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(600, keys=4, rate=OUTAGE_RATE))
        await asyncio.sleep(4)  # let the stream run before the fault: a pacing delay
        await asyncio.to_thread(own_broker.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(10)  # the fault itself: the broker is away for ten seconds
        await asyncio.to_thread(own_broker.start, 120.0)
        outage = time.monotonic() - stopped_at
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=180)
    finally:
        stop_all(sender_run, consumer)
    record_counts.append(
        Counts.of(
            "broker stopped ~10 s",
            sender,
            ledger,
            note=f"outage {outage:.1f}s; {len(sender.failed)} requests answered 500",
        )
    )
    assert sender.acked, "nothing was acknowledged"
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    assert all(f.status == 500 for f in sender.failed.values()), sender.failed
    # While the broker is away the consumer has nothing new to fetch, but the commits of what it
    # handled just before fail; after the restart those messages come again. That is one commit
    # window's worth (7.5 messages at 30/s; measured 1 to 4), bounded as for a crash: 18.
    assert ledger.duplicates <= redelivery_bound(OUTAGE_RATE)


SIGKILL_RATE = 100  # messages a second, one key


async def test_sidecar_sigkilled_and_restarted(tmp_path, kafka_broker, kafka_topic, record_counts):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic())
    records = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    app_port = free_port()
    consumer = start_consumer("a", components, tmp_path, app_port, records[0])
    sender_run, port = start_sender(components, tmp_path)
    restarted = None
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(300, rate=SIGKILL_RATE))
        await eventually(lambda: len(Ledger.read(records).ids) >= 100, "100 deliveries", timeout=30)
        kill_hard(consumer)
        restarted = start_consumer("b", components, tmp_path, app_port, records[1])
        await sending
        ledger = await wait_delivered(sender.acked, records)
    finally:
        stop_all(sender_run, consumer, *([restarted] if restarted else []))
    before = Ledger.read(records[:1]).ids
    after = Ledger.read(records[1:])
    redelivered = len(before & after.ids)
    bound = redelivery_bound(SIGKILL_RATE)
    record_counts.append(
        Counts.of(
            "sidecar SIGKILLed, restarted",
            sender,
            ledger,
            note=f"{redelivered} handled by the killed one came again (bound {bound})",
        )
    )
    assert sender.acked <= ledger.ids
    # It resumed from the committed offset: only the last commit window (25 messages at 100/s;
    # measured 10 to 20) comes again, within 2.5 windows: 62.
    assert redelivered <= bound
    assert ledger.out_of_order_keys() == []


REBALANCE_RATE = 100  # messages a second, over 12 keys and 6 partitions


async def test_rebalance_join_and_leave(tmp_path, kafka_broker, kafka_topic, record_counts):
    topic = kafka_topic(partitions=6)
    components = fault_components(
        tmp_path / "c", kafka_broker.bootstrap, topic, sessionTimeout="6s", heartbeatInterval="1s"
    )
    records = [tmp_path / f"{name}.jsonl" for name in "abc"]
    a = start_consumer("a", components, tmp_path, free_port(), records[0])
    b = start_consumer("b", components, tmp_path, free_port(), records[1])
    sender_run, port = start_sender(components, tmp_path)
    c = None
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(1200, keys=12, rate=REBALANCE_RATE))
        await eventually(lambda: len(Ledger.read(records).ids) >= 200, "200 deliveries", timeout=30)
        c = await asyncio.to_thread(
            start_consumer, "c", components, tmp_path, free_port(), records[2]
        )
        await eventually(lambda: len(Ledger.read(records).ids) >= 500, "500 deliveries", timeout=60)
        await asyncio.to_thread(a.stop)  # SIGTERM: drains and commits
        await eventually(lambda: len(Ledger.read(records).ids) >= 800, "800 deliveries", timeout=60)
        await asyncio.to_thread(kill_hard, b)  # SIGKILL: its partitions move after the session
        await sending
        ledger = await wait_delivered(sender.acked, records, timeout=120)
    finally:
        stop_all(sender_run, a, b, *([c] if c else []))
    record_counts.append(Counts.of("rebalance: +1 joins, -1 TERM, -1 KILL", sender, ledger))
    assert sender.acked == set(range(1200))
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    assert Ledger.read(records[2:]).ids, "the member that joined got no partition"
    # The join and the TERM commit on revoke and on close; only the KILL loses a commit window
    # of what b handled, a share of the whole stream (measured 4 to 25), so the crash bound of
    # the whole stream's rate holds.
    assert ledger.duplicates <= redelivery_bound(REBALANCE_RATE)


async def test_ten_thousand_messages_per_key_order(
    tmp_path, kafka_broker, kafka_topic, record_counts
):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic(partitions=6))
    records = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    a = start_consumer("a", components, tmp_path, free_port(), records[0])
    b = start_consumer("b", components, tmp_path, free_port(), records[1])
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        started = time.monotonic()
        await sender.send(10_000, keys=64)
        ledger = await wait_delivered(sender.acked, records, timeout=180)
        elapsed = time.monotonic() - started
    finally:
        stop_all(sender_run, a, b)
    record_counts.append(
        Counts.of(
            "10k msgs, 6 partitions, 2 consumers",
            sender,
            ledger,
            note=f"{10_000 / elapsed:.0f} msg/s end to end",
        )
    )
    assert sender.acked == set(range(10_000))
    assert ledger.ids == sender.acked
    assert ledger.duplicates == 0
    assert ledger.out_of_order_keys() == []
    assert all(Ledger.read([r]).ids for r in records), "one consumer got no partition"


async def test_publish_fails_within_its_timeout_when_the_broker_is_gone(
    tmp_path, own_broker, record_counts
):
    components = fault_components(
        tmp_path / "c", own_broker.bootstrap, "faults-gone", publishTimeout="3s"
    )
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        await sender.send(5)
        await asyncio.to_thread(own_broker.stop)
        started = time.monotonic()
        failing = Sender(port)
        await failing.send(5, keys=5)  # all five at once
        took = time.monotonic() - started
    finally:
        stop_all(sender_run)
    record_counts.append(
        Counts(
            "broker gone: publish answers 500",
            sent=sender.sent + failing.sent,
            acked=len(sender.acked) + len(failing.acked),
            delivered=0,
            duplicated=0,
            lost=0,
            note=f"5 failures answered in {took:.1f}s (publishTimeout 3s)",
        )
    )
    assert sender.acked == set(range(5))
    assert failing.acked == set()
    assert set(failing.failed) == set(range(5))
    assert all(
        f.status == 500 and "ERR_INVOKE_OUTPUT_BINDING" in f.body for f in failing.failed.values()
    ), failing.failed
    assert took < 8  # bounded by publishTimeout (3 s), never a hang

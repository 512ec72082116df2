"""Message-queue guarantees under faults, counted: nothing acknowledged is lost, order per key
is kept, and duplicates happen only where a fault interrupted a commit."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from tests.e2e.runner import DaprliteRun
from tests.faults.harness import (
    Counts,
    Ledger,
    Sender,
    app_pids,
    fault_components,
    kill_hard,
    start_consumer,
    start_sender,
    wait_delivered,
)
from tests.support.ports import free_port
from tests.support.wait import eventually


def _stop_all(*runs: DaprliteRun) -> None:
    for run in runs:
        if run.process.poll() is None:
            run.stop()


async def test_app_answers_500_three_times(tmp_path, kafka_broker, kafka_topic, record_counts):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic())
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record, FAIL_IDS="5:3")
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        await sender.send(20)
        ledger = await wait_delivered(sender.acked, [record])
    finally:
        _stop_all(sender_run, consumer)
    record_counts.append(Counts.of("app 500 x3 for one message", sender, ledger))
    assert sender.acked == set(range(20))
    assert ledger.ids == sender.acked
    assert ledger.duplicates == 0
    assert [line["id"] for line in ledger.lines] == list(range(20))  # 5 retried in place
    assert consumer.output.count("Retrying in") == 3


async def test_app_killed_and_restarted(tmp_path, kafka_broker, kafka_topic, record_counts):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic())
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record, restart=True)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(200, rate=100))
        await eventually(lambda: len(Ledger.read([record]).ids) >= 50, "50 deliveries", timeout=30)
        [first_app] = app_pids(consumer)
        os.kill(first_app, signal.SIGKILL)
        await asyncio.to_thread(consumer.wait_for, r"recorder ready pid=\d+", 2, 30)
        await sending
        ledger = await wait_delivered(sender.acked, [record])
    finally:
        _stop_all(sender_run, consumer)
    record_counts.append(Counts.of("app killed and restarted", sender, ledger))
    assert sender.acked == set(range(200))
    assert sender.acked <= ledger.ids
    assert ledger.duplicates <= 1  # only a delivery the kill cut short may come twice


async def test_broker_down_for_ten_seconds(tmp_path, own_broker, record_counts):
    components = fault_components(tmp_path / "c", own_broker.bootstrap, "faults-broker")
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(600, keys=4, rate=30))
        await asyncio.sleep(4)  # let the stream run before the fault: a pacing delay
        await asyncio.to_thread(own_broker.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(10)  # the fault itself: the broker is away for ten seconds
        await asyncio.to_thread(own_broker.start, 120.0)
        outage = time.monotonic() - stopped_at
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=180)
    finally:
        _stop_all(sender_run, consumer)
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
    assert all(" 500 " in f or f.startswith("500") for f in sender.failed.values()), sender.failed


async def test_sidecar_sigkilled_and_restarted(tmp_path, kafka_broker, kafka_topic, record_counts):
    components = fault_components(tmp_path / "c", kafka_broker.bootstrap, kafka_topic())
    records = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    app_port = free_port()
    consumer = start_consumer("a", components, tmp_path, app_port, records[0])
    sender_run, port = start_sender(components, tmp_path)
    restarted = None
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(300, rate=100))
        await eventually(lambda: len(Ledger.read(records).ids) >= 100, "100 deliveries", timeout=30)
        kill_hard(consumer)
        restarted = start_consumer("b", components, tmp_path, app_port, records[1])
        await sending
        ledger = await wait_delivered(sender.acked, records)
    finally:
        _stop_all(sender_run, consumer, *([restarted] if restarted else []))
    before = Ledger.read(records[:1]).ids
    after = Ledger.read(records[1:])
    record_counts.append(Counts.of("sidecar SIGKILLed, restarted", sender, ledger))
    assert sender.acked <= ledger.ids
    # It resumed from the committed offset: only the last auto-commit window (250 ms, about
    # 25 messages at this rate) comes again; the bound leaves room for a loaded machine.
    assert len(before & after.ids) <= 150
    assert ledger.out_of_order_keys() == []


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
        sending = asyncio.create_task(sender.send(1200, keys=12, rate=100))
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
        _stop_all(sender_run, a, b, *([c] if c else []))
    record_counts.append(Counts.of("rebalance: +1 joins, -1 TERM, -1 KILL", sender, ledger))
    assert sender.acked == set(range(1200))
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    assert Ledger.read(records[2:]).ids, "the member that joined got no partition"


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
        _stop_all(sender_run, a, b)
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
        _stop_all(sender_run)
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
    assert all("ERR_INVOKE_OUTPUT_BINDING" in reason for reason in failing.failed.values())
    assert took < 8  # bounded by publishTimeout (3 s), never a hang

"""The fault suite's RabbitMQ rows: the Kafka cases (app 500s, app killed, broker stopped
~10 s, sidecar SIGKILLed) against bindings.rabbitmq on a real RabbitMQ, counted the same way.

RabbitMQ acknowledges per message and daprlite has one message in flight, so a fault can bring
back at most the message whose acknowledgement it cut off: that is the duplicate bound here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import (
    COMPONENT,
    Counts,
    Ledger,
    Sender,
    kill_hard,
    start_consumer,
    start_sender,
    wait_delivered,
)
from tests.faults.scenarios import app_answers_500_three_times, app_killed_and_restarted, stop_all
from tests.support.ports import free_port
from tests.support.rabbit_sidecar import rabbit_component
from tests.support.rabbitmq import LocalRabbitMQ, RabbitServer, running_rabbitmq
from tests.support.wait import eventually

pytestmark = pytest.mark.rabbitmq

# A fault interrupts at most one delivery, whose acknowledgement may then never reach the
# broker: it comes again. One more for an acknowledgement still in the client's write queue
# when the process died.
REDELIVERY_BOUND = 2


@pytest.fixture
def own_rabbitmq() -> Iterator[LocalRabbitMQ]:
    """A RabbitMQ of this test's own, which the test may stop and start again."""
    with running_rabbitmq() as local:
        yield local


def rabbit_components(folder: Path, server: RabbitServer, queue: str) -> Path:
    """The suite's components folder: COMPONENT on a durable `queue`, retrying after 100 ms,
    reconnecting every second."""
    text = rabbit_component(
        COMPONENT, server, queue, durable="true", backOffDuration="100ms",
        reconnectWaitInSeconds="1",
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{COMPONENT}.yaml").write_text(text)
    return folder


async def test_rabbitmq_app_answers_500_three_times(tmp_path, rabbitmq_server, record_counts):
    components = rabbit_components(tmp_path / "c", rabbitmq_server, f"f500-{tmp_path.name}")
    await app_answers_500_three_times(tmp_path, components, "rabbitmq: app 500 x3 for one message",
                                      record_counts)  # fmt: skip


async def test_rabbitmq_app_killed_and_restarted(tmp_path, rabbitmq_server, record_counts):
    components = rabbit_components(tmp_path / "c", rabbitmq_server, f"fkill-{tmp_path.name}")
    await app_killed_and_restarted(tmp_path, components, "rabbitmq: app killed and restarted",
                                   record_counts)  # fmt: skip


OUTAGE_RATE = 30  # messages a second, over 4 keys


async def test_rabbitmq_broker_down_for_ten_seconds(tmp_path, own_rabbitmq, record_counts):
    components = rabbit_components(tmp_path / "c", own_rabbitmq.server, "faults-broker")
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        # 40 s of messages: the stream goes on well past the restart.
        sending = asyncio.create_task(sender.send(1200, keys=4, rate=OUTAGE_RATE))
        await asyncio.sleep(4)  # let the stream run before the fault: a pacing delay
        await asyncio.to_thread(own_rabbitmq.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(10)  # the fault itself: the broker is away for ten seconds
        await asyncio.to_thread(own_rabbitmq.start)
        outage = time.monotonic() - stopped_at
        sent_by_restart = sender.sent
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=180)
    finally:
        stop_all(sender_run, consumer)
    unconfirmed = len(set(sender.failed) & ledger.ids)
    record_counts.append(
        Counts.of(
            "rabbitmq: broker stopped ~10 s",
            sender,
            ledger,
            note=f"outage {outage:.1f}s; {len(sender.failed)} requests answered 500 "
            f"({unconfirmed} of them stored after all)",
        )
    )
    assert sender.acked, "nothing was acknowledged"
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    assert all(f.status == 500 for f in sender.failed.values()), sender.failed
    assert ledger.duplicates <= REDELIVERY_BOUND
    # Both sides came back: messages sent after the restart were confirmed and delivered.
    assert max(sender.acked) >= sent_by_restart


SIGKILL_RATE = 100  # messages a second, one key


async def test_rabbitmq_sidecar_sigkilled_and_restarted(tmp_path, rabbitmq_server, record_counts):
    components = rabbit_components(tmp_path / "c", rabbitmq_server, f"fsig-{tmp_path.name}")
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
    record_counts.append(
        Counts.of(
            "rabbitmq: sidecar SIGKILLed, restarted",
            sender,
            ledger,
            note=f"{redelivered} handled by the killed one came again (bound {REDELIVERY_BOUND})",
        )
    )
    assert sender.acked == set(range(300))
    assert sender.acked <= ledger.ids
    assert redelivered <= REDELIVERY_BOUND
    assert ledger.out_of_order_keys() == []


async def test_rabbitmq_five_thousand_messages_in_order(tmp_path, rabbitmq_server, record_counts):
    components = rabbit_components(tmp_path / "c", rabbitmq_server, f"f5k-{tmp_path.name}")
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        started = time.monotonic()
        await sender.send(5_000, keys=64)
        sent = time.monotonic() - started
        ledger = await wait_delivered(sender.acked, [record], timeout=180)
        elapsed = time.monotonic() - started
    finally:
        stop_all(sender_run, consumer)
    record_counts.append(
        Counts.of(
            "rabbitmq: 5k msgs, 1 queue, 1 consumer",
            sender,
            ledger,
            note=f"{5_000 / sent:.0f} confirmed publishes/s; "
            f"{5_000 / elapsed:.0f} msg/s end to end",
        )
    )
    assert sender.acked == set(range(5_000))
    assert ledger.ids == sender.acked
    assert ledger.duplicates == 0
    assert ledger.out_of_order_keys() == []

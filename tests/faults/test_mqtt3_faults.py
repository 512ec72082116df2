"""bindings.mqtt3 under faults, counted like Kafka's rows: nothing the sidecar answered 204 for
is lost, the order is kept, and duplicates come only from a delivery (or a publish) that a fault
cut between its work and its PUBACK. The broker is a Mosquitto with persistent sessions."""

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
from tests.integration.mqtt3_sidecar import component_yaml, unique, write_components
from tests.support.mosquitto import LocalMosquitto, MosquittoServer, running_mosquitto
from tests.support.ports import free_port
from tests.support.wait import eventually

pytestmark = pytest.mark.mosquitto


@pytest.fixture
def own_mosquitto() -> Iterator[LocalMosquitto]:
    """A broker of this test's own, which it may stop and start again."""
    with running_mosquitto() as local:
        yield local


def mqtt_components(folder: Path, server: MosquittoServer) -> Path:
    """COMPONENT on a fresh topic and client id, retrying every 100 ms for ever."""
    meta = {
        "url": server.url,
        "topic": unique("faults"),
        "consumerID": unique("faults"),
        "backOffDuration": "100ms",
    }
    write_components(folder, {COMPONENT: component_yaml(COMPONENT, meta)})
    return folder


async def test_mqtt3_app_answers_500_three_times(tmp_path, mosquitto_server, record_counts):
    components = mqtt_components(tmp_path / "c", mosquitto_server)
    await app_answers_500_three_times(tmp_path, components, "mqtt3: app 500 x3 for one message",
                                      record_counts)  # fmt: skip


async def test_mqtt3_app_killed_and_restarted(tmp_path, mosquitto_server, record_counts):
    components = mqtt_components(tmp_path / "c", mosquitto_server)
    await app_killed_and_restarted(tmp_path, components, "mqtt3: app killed and restarted",
                                   record_counts)  # fmt: skip


OUTAGE_RATE = 30  # messages a second, one key (MQTT keeps one order per subscription)


async def test_mqtt3_broker_down_for_ten_seconds(tmp_path, own_mosquitto, record_counts):
    assert own_mosquitto.server is not None
    components = mqtt_components(tmp_path / "c", own_mosquitto.server)
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record)
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        sending = asyncio.create_task(sender.send(450, rate=OUTAGE_RATE))
        await asyncio.sleep(4)  # let the stream run before the fault: a pacing delay
        await asyncio.to_thread(own_mosquitto.stop)
        stopped_at = time.monotonic()
        await asyncio.sleep(10)  # the fault itself: the broker is away for ten seconds
        await asyncio.to_thread(own_mosquitto.start)
        outage = time.monotonic() - stopped_at
        await sending
        ledger = await wait_delivered(sender.acked, [record], timeout=180)
    finally:
        stop_all(sender_run, consumer)
    record_counts.append(
        Counts.of(
            "mqtt3: broker stopped ~10 s",
            sender,
            ledger,
            note=f"outage {outage:.1f}s; {len(sender.failed)} requests answered 500",
        )
    )
    assert sender.acked, "nothing was acknowledged"
    assert sender.acked <= ledger.ids
    assert all(f.status == 500 for f in sender.failed.values()), sender.failed
    assert ledger.out_of_order_keys() == []
    # At most the one message each side had in flight when the broker went: the publish whose
    # PUBACK never came (paho sends it again) and the delivery whose PUBACK could not be sent.
    assert ledger.duplicates <= 2


SIGKILL_RATE = 100  # messages a second, one key


async def test_mqtt3_sidecar_sigkilled_and_restarted(tmp_path, mosquitto_server, record_counts):
    components = mqtt_components(tmp_path / "c", mosquitto_server)
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
        stop_all(sender_run, consumer, restarted)
    before = Ledger.read(records[:1]).ids
    redelivered = len(before & Ledger.read(records[1:]).ids)
    record_counts.append(
        Counts.of(
            "mqtt3: sidecar SIGKILLed, restarted",
            sender,
            ledger,
            note=f"{redelivered} handled by the killed one came again (bound 2)",
        )
    )
    assert sender.acked <= ledger.ids
    # The persistent session resends what had no PUBACK: the delivery in flight, and a PUBACK
    # paho had queued but not yet written when the process died.
    assert redelivered <= 2
    assert ledger.out_of_order_keys() == []

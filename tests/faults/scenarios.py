"""The fault rows every broker shares: the same app-side faults through the same two sidecars
(a consumer with a recorder app, a producer fed by the Sender), told apart only by the
components they read and write and the row's label in the table."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from tests.e2e.runner import DaprliteRun
from tests.faults.harness import (
    Counts,
    Ledger,
    Sender,
    app_pids,
    start_consumer,
    start_sender,
    wait_delivered,
)
from tests.support.ports import free_port
from tests.support.wait import eventually


def stop_all(*runs: DaprliteRun | None) -> None:
    for run in runs:
        if run is not None and run.process.poll() is None:
            run.stop()


async def app_answers_500_three_times(
    tmp_path: Path, components: Path, label: str, record_counts: list[Counts]
) -> None:
    """Message 5 is refused three times: retried in place, nothing after it overtakes it."""
    record = tmp_path / "a.jsonl"
    consumer = start_consumer("a", components, tmp_path, free_port(), record, FAIL_IDS="5:3")
    sender_run, port = start_sender(components, tmp_path)
    try:
        sender = Sender(port)
        await sender.send(20)
        ledger = await wait_delivered(sender.acked, [record])
    finally:
        stop_all(sender_run, consumer)
    record_counts.append(Counts.of(label, sender, ledger))
    assert sender.acked == set(range(20))
    assert ledger.ids == sender.acked
    assert ledger.duplicates == 0
    assert [line["id"] for line in ledger.lines] == list(range(20))  # 5 retried in place
    assert consumer.output.count("Retrying in") == 3


async def app_killed_and_restarted(
    tmp_path: Path, components: Path, label: str, record_counts: list[Counts]
) -> None:
    """The app is SIGKILLed mid-stream and started again: nothing acknowledged is lost."""
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
        stop_all(sender_run, consumer)
    record_counts.append(Counts.of(label, sender, ledger))
    assert sender.acked == set(range(200))
    assert sender.acked <= ledger.ids
    assert ledger.out_of_order_keys() == []
    assert ledger.duplicates <= 1  # only a delivery the kill cut short may come twice

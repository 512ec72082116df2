"""The Kafka output binding against a fake Producer: the poll thread outlives errors,
publishTimeout holds without delivery reports, and a fatal error replaces the producer."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError

from daprlite.bindings.kafka import producer as producer_module
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import BindingInvokeError

DEADLINE = 10.0
REQUEST = InvokeRequest(b'{"orderId":1}', {}, "create")


class FakeProducer:
    """Serves its delivery reports (and error callbacks) from poll(), as librdkafka does."""

    def __init__(self, config: dict[str, Any], acks: bool, poll_errors: list[Exception]) -> None:
        self.config = config
        self.acks = acks  # False: a broker that never answers, and reports that never come
        self.poll_errors = poll_errors
        self.produced: list[bytes] = []
        self.unacked: list[Callable[[KafkaError | None, Any], None]] = []
        self.callbacks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.retired = threading.Event()

    def produce(self, topic: str, value: bytes, on_delivery: Any, **_: Any) -> None:
        self.produced.append(value)
        if self.acks:
            self.callbacks.put(lambda: on_delivery(None, None))
        else:
            self.unacked.append(on_delivery)

    def poll(self, timeout: float) -> int:
        if self.poll_errors:
            raise self.poll_errors.pop(0)
        try:
            callback = self.callbacks.get(timeout=timeout)
        except queue.Empty:
            return 0
        callback()
        return 1

    def fail_fatally(self) -> None:
        error = KafkaError(KafkaError._FATAL, "out of order sequence number", fatal=True)
        self.callbacks.put(lambda: self.config["error_cb"](error))

    def report_transient(self) -> None:
        error = KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down")
        self.callbacks.put(lambda: self.config["error_cb"](error))

    def purge(self) -> None:
        purged = KafkaError(KafkaError._PURGE_QUEUE, "purged")
        for report in self.unacked:
            self.callbacks.put(lambda report=report: report(purged, None))  # type: ignore[misc]
        self.unacked.clear()
        self.retired.set()

    def flush(self, timeout: float) -> int:
        """Serves reports until none is outstanding or `timeout` has passed."""
        if self.poll_errors:  # flush() serves callbacks as poll() does, and re-raises alike
            raise self.poll_errors.pop(0)
        deadline = time.monotonic() + timeout
        while len(self) and (left := deadline - time.monotonic()) > 0:
            try:
                self.callbacks.get(timeout=left)()
            except queue.Empty:
                break
        return len(self)

    def __len__(self) -> int:
        return self.callbacks.qsize() + len(self.unacked)


class Producers:
    """The producer_class given to KafkaOutput: keeps every producer it made."""

    def __init__(self, acks: bool = True, poll_errors: list[Exception] | None = None) -> None:
        self.acks, self.poll_errors = acks, poll_errors or []
        self.made: list[FakeProducer] = []

    def __call__(self, config: dict[str, Any]) -> FakeProducer:
        made = FakeProducer(config, self.acks, self.poll_errors)
        self.made.append(made)
        return made


def component(**extra: str) -> Component:
    metadata = {"brokers": "127.0.0.1:9", "publishTopic": "orders", "authType": "none", **extra}
    return Component("orders", "bindings.kafka", "v1", metadata, Path("test.yaml"), 1)


@pytest.fixture(autouse=True)
def _no_broker_check(monkeypatch: pytest.MonkeyPatch) -> None:
    async def reachable(*_: object) -> None:
        return None

    monkeypatch.setattr(producer_module, "check_brokers", reachable)


@pytest.fixture
async def started() -> AsyncIterator[Callable[..., Any]]:
    outputs: list[KafkaOutput] = []

    async def start(producers: Producers, **metadata: str) -> KafkaOutput:
        output = KafkaOutput(producer_class=producers)
        await output.init(component(**metadata))
        outputs.append(output)
        return output

    yield start
    for output in outputs:
        await output.close()


async def eventually(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(DEADLINE):
        while not condition():  # noqa: ASYNC110 -- a condition with a deadline, by design
            await asyncio.sleep(0.01)


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


async def test_a_failing_poll_does_not_end_delivery_reports(started, caplog) -> None:
    # What confluent-kafka does when a callback raised, e.g. on a loop that is closed.
    producers = Producers(poll_errors=[RuntimeError("Event loop is closed")])
    output = await started(producers)
    async with asyncio.timeout(DEADLINE):
        assert await output.invoke(REQUEST) is None
    assert producers.made[0].produced == [REQUEST.data]
    [failure] = [r for r in caplog.records if "producer poll failed" in r.getMessage()]
    assert failure.exc_info is not None


async def test_publish_timeout_holds_when_no_delivery_report_comes(started, monkeypatch) -> None:
    monkeypatch.setattr(producer_module, "_REPORT_MARGIN", 0.1)
    output = await started(Producers(acks=False), publishTimeout="100ms")
    async with asyncio.timeout(DEADLINE):
        with pytest.raises(BindingInvokeError, match="no delivery report") as info:
            await output.invoke(REQUEST)
    assert str(info.value) == (
        "kafka: no delivery report for the record within 0.2s (publishTimeout 0.1s plus 0.1s); "
        "it may or may not have been written"
    )


async def test_a_fatal_error_replaces_the_producer_on_the_next_request(started, caplog) -> None:
    caplog.set_level(logging.INFO, logger="daprlite")
    producers = Producers()
    output = await started(producers)
    async with asyncio.timeout(DEADLINE):
        assert await output.invoke(REQUEST) is None
    first = producers.made[0]
    first.fail_fatally()
    first.fail_fatally()  # librdkafka may say so more than once
    await eventually(lambda: bool(messages(caplog, "fatal error")))
    async with asyncio.timeout(DEADLINE):
        for _ in range(3):
            assert await output.invoke(REQUEST) is None
    assert len(producers.made) == 2
    assert first.retired.is_set()
    assert first.produced == [REQUEST.data]
    assert producers.made[1].produced == [REQUEST.data] * 3
    assert messages(caplog, "fatal error") == [
        "kafka binding orders (bindings.kafka/v1): the producer hit a fatal error "
        "(out of order sequence number); the next request replaces it with a new one"
    ]
    assert len(messages(caplog, "replaced the failed producer")) == 1


async def test_a_request_waiting_on_the_failed_producer_is_answered(started, caplog) -> None:
    producers = Producers(acks=False)
    output = await started(producers)
    waiting = asyncio.ensure_future(output.invoke(REQUEST))
    await eventually(lambda: bool(producers.made[0].produced))
    producers.made[0].fail_fatally()
    await eventually(lambda: bool(messages(caplog, "fatal error")))
    producers.acks = True  # the new producer's broker answers
    async with asyncio.timeout(DEADLINE):
        assert await output.invoke(REQUEST) is None
        with pytest.raises(BindingInvokeError, match="purged"):
            await waiting


async def test_a_transient_error_keeps_the_producer(started, caplog) -> None:
    producers = Producers()
    output = await started(producers)
    producers.made[0].report_transient()
    async with asyncio.timeout(DEADLINE):
        assert await output.invoke(REQUEST) is None  # served after the error callback
    assert len(producers.made) == 1
    assert not messages(caplog, "fatal error")


async def test_records_go_out_at_once_when_quiet_and_batch_under_load(started) -> None:
    # `_quiet` is the whole of the choice (flush: send at once; poll: let linger.ms batch).
    output = await started(Producers())
    async with asyncio.timeout(DEADLINE):
        for _ in range(5):
            await output.invoke(REQUEST)  # one at a time: nothing else is ever in flight
        assert output._quiet
        await asyncio.gather(*(output.invoke(REQUEST) for _ in range(64)))
        assert not output._quiet
        for _ in range(40):
            await output.invoke(REQUEST)  # the average of what was in flight falls back
        assert output._quiet

"""One assigned partition's worker: delivers its messages strictly in order, one at a time.

A message's offset is stored (and so committed) only after the app accepted it, or after it
was parked on the dead-letter topic. What a failed delivery leads to:

    consumeRetryEnabled   deadLetterTopic   on failure
    (absent)              -                 retry for ever; the partition waits (daprlite default)
    (absent) or "true"    set               retry as backOff* allows, then dead-letter, move on
    "true"                -                 retry as backOff* allows, then skip (as daprd)
    "false"               -                 skip at once (as daprd); with a DLT: dead-letter
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from daprlite.bindings.kafka.settings import KafkaSettings
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler

log = logging.getLogger("daprlite.bindings.kafka")

# store(topic, partition, next_offset) marks everything before next_offset as handled.
OffsetStore = Callable[[str, int, int], None]
# dead_letter(message, error, attempts) parks a message; raises if it could not.
DeadLetter = Callable[[Any, str, int], Awaitable[None]]


@dataclass(slots=True)
class Stall:
    """A message whose delivery keeps failing, holding up its partition."""

    offset: int
    attempts: int
    last_error: str
    since: float  # time.time() of the first failure

    def describe(self) -> dict[str, Any]:
        return {
            "offset": self.offset,
            "attempts": self.attempts,
            "lastError": self.last_error,
            "waitingSeconds": round(time.time() - self.since, 1),
        }


class PartitionWorker:
    def __init__(
        self,
        topic: str,
        partition: int,
        handler: EventHandler,
        store: OffsetStore,
        settings: KafkaSettings,
        dead_letter: DeadLetter | None = None,
    ) -> None:
        self.topic, self.partition = topic, partition
        self._handler, self._store, self._settings = handler, store, settings
        self._dead_letter = dead_letter
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()
        self.stall: Stall | None = None
        self._task = asyncio.create_task(self._run(), name=f"kafka-{topic}-{partition}")

    @property
    def pending(self) -> int:
        """Messages queued or in delivery; read by the poll thread for flow control."""
        return self._queue.qsize() + (0 if self._idle.is_set() else 1)

    def put(self, message: Any) -> None:
        self._queue.put_nowait(message)

    async def stop(self, grace: float) -> None:
        """Drop what is queued, let the delivery in flight finish (up to `grace`), then end.

        Dropped and unfinished messages were never acknowledged: Kafka hands them out again.
        """
        while not self._queue.empty():
            self._queue.get_nowait()
        # A message that keeps failing (a stall) is not waited for: its retries stop now.
        if self.stall is None:
            try:
                await asyncio.wait_for(self._idle.wait(), grace)
            except TimeoutError:
                log.warning(
                    "%s/%d: delivery still in flight after %.0fs; it will be redelivered",
                    self.topic,
                    self.partition,
                    grace,
                )
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            message = await self._queue.get()
            self._idle.clear()
            try:
                if await self._deliver(message):
                    self._store(self.topic, self.partition, message.offset() + 1)
            finally:
                self.stall = None
                self._idle.set()

    async def _deliver(self, message: Any) -> bool:
        """True when the message is done with: accepted by the app, or dead-lettered."""
        event = BindingEvent(data=message.value() or b"", metadata=event_metadata(message))
        delays = self._settings.retry.delays()
        while True:
            try:
                await self._handler(event)
            except DeliveryError as exc:
                self._note_failure(message, str(exc))
                delay = self._next_delay(delays)
                if delay is None:
                    return await self._give_up(message, str(exc))
                assert self.stall is not None
                log.warning(
                    "Error processing Kafka message: %s. Error: %s. Retrying in %.1fs "
                    "(attempt %d failed); later messages of this partition wait.",
                    describe(message),
                    exc,
                    delay,
                    self.stall.attempts,
                )
                await asyncio.sleep(delay)
                continue
            if self.stall is not None:
                log.info(
                    "Successfully processed Kafka message after it previously failed: %s",
                    describe(message),
                )
            return True

    def _note_failure(self, message: Any, error: str) -> None:
        if self.stall is None:
            self.stall = Stall(message.offset(), 0, error, time.time())
        self.stall.attempts += 1
        self.stall.last_error = error

    def _next_delay(self, delays: Any) -> float | None:
        """The pause before the next attempt, or None to stop retrying this message."""
        mode = self._settings.consume_retry_enabled
        if mode is False:
            return None
        delay: float | None = next(delays, None)
        if delay is None and mode is None and not self._settings.dead_letter_topic:
            # Nowhere to park it and nobody asked to drop it: keep trying, lose nothing.
            delay = self._settings.retry.max_interval_or_duration()
        return delay

    async def _give_up(self, message: Any, error: str) -> bool:
        attempts = self.stall.attempts if self.stall else 1
        if self._dead_letter is None:
            # daprd's behaviour: log, leave it unmarked, carry on with the next message.
            log.error(
                "Too many failed attempts at processing Kafka message: %s. Error: %s",
                describe(message),
                error,
            )
            return False
        while True:
            try:
                await self._dead_letter(message, error, attempts)
            except Exception as exc:  # parking must never lose the message: keep trying
                log.warning("dead-lettering %s failed, retrying: %s", describe(message), exc)
                await asyncio.sleep(self._settings.retry.max_interval_or_duration())
                continue
            log.warning(
                "Kafka message %s moved to dead-letter topic %s after %d attempts. Error: %s",
                describe(message),
                self._settings.dead_letter_topic,
                attempts,
                error,
            )
            return True


def event_metadata(message: Any) -> dict[str, str]:
    """The metadata daprd gives a Kafka event: record coordinates first, then its headers."""
    metadata: dict[str, str] = {}
    key = message.key()
    if key is not None:
        metadata["__key"] = key.decode("utf-8", errors="replace")
    metadata["__offset"] = str(message.offset())
    metadata["__topic"] = message.topic()
    metadata["__partition"] = str(message.partition())
    metadata["__timestamp"] = str(message.timestamp()[1])
    for name, value in message.headers() or ():
        metadata[name] = (value or b"").decode("utf-8", errors="replace")
    return metadata


def describe(message: Any) -> str:
    """`topic/partition/offset [key=<base64>]`, the way daprd names a message in its logs."""
    key = message.key()
    encoded = base64.b64encode(key).decode("ascii") if key is not None else ""
    return f"{message.topic()}/{message.partition()}/{message.offset()} [key={encoded}]"

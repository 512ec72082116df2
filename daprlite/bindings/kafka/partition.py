"""One assigned partition's worker: delivers its messages strictly in order, one at a time.

A message's offset is stored (and so committed) only after the app accepted it, or after it
was parked on the dead-letter topic; retries, stalls and skips are bindings/delivery's rules.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from daprlite.bindings.delivery import Deliverer, Parking
from daprlite.model.contracts import BindingEvent

log = logging.getLogger("daprlite.bindings.kafka")

# store(topic, partition, next_offset) marks everything before next_offset as handled.
OffsetStore = Callable[[str, int, int], None]
# dead_letter(message, error, attempts) parks a message; raises if it could not.
DeadLetter = Callable[[Any, str, int], Awaitable[None]]


class PartitionWorker:
    def __init__(
        self,
        topic: str,
        partition: int,
        deliverer: Deliverer,
        store: OffsetStore,
        dead_letter: DeadLetter | None = None,
        dead_letter_topic: str = "",
    ) -> None:
        self.topic, self.partition = topic, partition
        self._deliverer, self._store = deliverer, store
        self._dead_letter, self._dead_letter_topic = dead_letter, dead_letter_topic
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()
        # The next offset not yet done with, for the lag metric: the first message's offset,
        # then one past each message handled (accepted, parked or skipped).
        self.position: int | None = None
        self._task = asyncio.create_task(self._run(), name=f"kafka-{topic}-{partition}")

    @property
    def stall(self) -> Any:
        """The message holding this partition up with failures, or None."""
        return self._deliverer.stall

    @property
    def pending(self) -> int:
        """Messages queued or in delivery; read by the poll thread for flow control."""
        return self._queue.qsize() + (0 if self._idle.is_set() else 1)

    def put(self, message: Any) -> None:
        if self.position is None:
            self.position = message.offset()
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
                self.position = message.offset() + 1
            finally:
                self._idle.set()

    async def _deliver(self, message: Any) -> bool:
        """True when the message is done with: accepted by the app, or dead-lettered."""
        event = BindingEvent(data=record_value(message), metadata=event_metadata(message))
        parking = None
        if self._dead_letter is not None:
            dead_letter = self._dead_letter

            async def park(error: str, attempts: int) -> None:
                await dead_letter(message, error, attempts)

            parking = Parking(park, f"dead-letter topic {self._dead_letter_topic}")
        position = {"offset": message.offset()}
        return await self._deliverer.deliver(event, _Described(message), position, parking)


class _Described:
    """A message's log name, made only if a log line needs it (base64 of the key is not free)."""

    __slots__ = ("message",)

    def __init__(self, message: Any) -> None:
        self.message = message

    def __str__(self) -> str:
        return describe(self.message)


def record_value(message: Any) -> bytes:
    """The body the app gets: the record's value; a record with no value arrives as `null`,
    as daprd delivers it."""
    value: bytes | None = message.value()
    return b"null" if value is None else value


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

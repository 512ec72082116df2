"""One assigned partition's worker: delivers its messages strictly in order, one at a time.

A message's offset is stored (and so committed) only after the app accepted it. A failed
delivery is retried in place while the rest of the partition waits, unless the component
asked for daprd's skip-on-failure behaviour (`consumeRetryEnabled: "false"`).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from typing import Any

from daprlite.bindings.base import BindingEvent, DeliveryError, EventHandler
from daprlite.bindings.kafka.settings import KafkaSettings

log = logging.getLogger("daprlite.bindings.kafka")

# store(topic, partition, next_offset) marks everything before next_offset as handled.
OffsetStore = Callable[[str, int, int], None]


class PartitionWorker:
    def __init__(
        self,
        topic: str,
        partition: int,
        handler: EventHandler,
        store: OffsetStore,
        settings: KafkaSettings,
        component: str,
    ) -> None:
        self.topic, self.partition = topic, partition
        self._handler, self._store, self._settings = handler, store, settings
        self._component = component
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(), name=f"kafka-{topic}-{partition}")
        self._busy = False

    @property
    def pending(self) -> int:
        """Messages queued or in delivery; read by the poll thread for flow control."""
        return self._queue.qsize() + (1 if self._busy else 0)

    def put(self, message: Any) -> None:
        self._queue.put_nowait(message)

    async def stop(self, grace: float) -> None:
        """Drop what is queued, let the delivery in flight finish (up to `grace`), then end.

        Dropped messages were never acknowledged, so Kafka hands them out again.
        """
        while not self._queue.empty():
            self._queue.get_nowait()
        if self._busy:
            await asyncio.wait({self._task}, timeout=grace)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            message = await self._queue.get()
            self._busy = True
            try:
                if await self._deliver(message):
                    self._store(self.topic, self.partition, message.offset() + 1)
            finally:
                self._busy = False

    async def _deliver(self, message: Any) -> bool:
        """True when the app accepted the message (so its offset may be committed)."""
        event = BindingEvent(data=message.value() or b"", metadata=event_metadata(message))
        delays = self._settings.retry.delays()
        failures = 0
        while True:
            try:
                await self._handler(event)
            except DeliveryError as exc:
                failures += 1
                where = _describe(message)
                if self._settings.consume_retry_enabled is False:
                    # daprd's default for the binding: log and move on to the next message.
                    log.error("Error processing Kafka message: %s. Error: %s", where, exc)
                    return False
                delay = next(delays, None)
                if delay is None:
                    log.error(
                        "Too many failed attempts at processing Kafka message: %s. Error: %s",
                        where,
                        exc,
                    )
                    return False
                log.warning(
                    "Error processing Kafka message: %s. Error: %s. Retrying in %.1fs "
                    "(attempt %d); later messages of this partition wait.",
                    where,
                    exc,
                    delay,
                    failures + 1,
                )
                await asyncio.sleep(delay)
                continue
            if failures:
                log.info(
                    "Successfully processed Kafka message after it previously failed: %s",
                    _describe(message),
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


def _describe(message: Any) -> str:
    key = message.key()
    encoded = base64.b64encode(key).decode("ascii") if key is not None else ""
    return f"{message.topic()}/{message.partition()}/{message.offset()} [key={encoded}]"

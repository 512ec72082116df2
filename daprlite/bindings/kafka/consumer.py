"""Kafka input binding: a consumer-group member that hands each partition to its own worker.

confluent-kafka's Consumer blocks, so one daemon thread owns it: every consume(), offset
store, pause/resume, commit and rebalance callback runs there. (A call from another thread
while consume() waits can deadlock on the GIL.) Messages cross to the event loop with
`call_soon_threadsafe`; handled offsets come back through a queue the thread drains.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    KafkaException,
    TopicPartition,
)

from daprlite.bindings.delivery import Deliverer
from daprlite.bindings.kafka.connect import check_brokers, unreachable
from daprlite.bindings.kafka.partition import PartitionWorker
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.bindings.kafka.settings import KafkaSettings, reach_timeout
from daprlite.bindings.kafka.topics import ensure_topics
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component
from daprlite.model.contracts import EventHandler, InvokeRequest, StreamLag
from daprlite.model.errors import ComponentInitError
from daprlite.model.observer import NO_OBSERVER, Observer

log = logging.getLogger("daprlite.bindings.kafka")

_BATCH = 500
_POLL_SECONDS = 0.1
# A partition whose worker has this many messages waiting is paused until it drains below
# half of it: memory stays bounded however slow the app is.
_HIGH_WATER = 1000
_ASSIGN_TIMEOUT = 60.0
_STOP_GRACE = 5.0
# How often the poll thread reads the partitions' cached high watermarks (for lag).
_WATERMARK_SECONDS = 1.0
_PARKED_KEPT = 20


class KafkaInput:
    def __init__(self) -> None:
        self._settings: KafkaSettings | None = None
        self._component = ""
        self._consumer: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handler: EventHandler | None = None
        self._observer: Observer = NO_OBSERVER
        self._name = ""
        self._workers: dict[tuple[str, int], PartitionWorker] = {}
        self._paused: set[tuple[str, int]] = set()
        self._assigned = asyncio.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handled: queue.SimpleQueue[tuple[str, int, int]] = queue.SimpleQueue()
        self._dead_letters: KafkaOutput | None = None
        self._closing = False
        # (topic, partition) -> high watermark, written by the poll thread, read by lag().
        self._high: dict[tuple[str, int], int] = {}
        # The last messages parked on the dead-letter topic, for status() (the dashboard).
        self._parked: deque[dict[str, Any]] = deque(maxlen=_PARKED_KEPT)

    @staticmethod
    def check_metadata(component: Component) -> None:
        settings = KafkaSettings.from_component(component)
        if settings.topics and not settings.consumer_group:
            raise MetadataReader(component).error("consumerGroup", "is required to read topics")

    async def init(self, component: Component) -> None:
        self._settings = settings = KafkaSettings.from_component(component)
        self._component, self._name = component.log_name, component.name
        if not settings.topics:
            log.warning("kafka binding %s: no topic defined, input will not start", component.name)
            return
        if not settings.consumer_group:
            raise MetadataReader(component).error("consumerGroup", "is required to read topics")
        self._loop = asyncio.get_running_loop()
        await check_brokers(settings, component)  # a refused login fails here, saying so
        self._consumer = Consumer(
            settings.client_config()
            | {
                "group.id": settings.consumer_group,
                "enable.auto.commit": True,
                # Four commits a second (sarama: one): a crash then redelivers at most ~250 ms
                # of handled messages, for a request the broker hardly notices.
                "auto.commit.interval.ms": 250,
                # Offsets are stored by the partition workers after the app's 2xx, never
                # automatically when a message is merely fetched.
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest"
                if settings.initial_offset == "oldest"
                else "latest",
                # Like sarama, let the broker create a topic the component names.
                "allow.auto.create.topics": True,
                "heartbeat.interval.ms": int(settings.heartbeat_interval * 1000),
                "session.timeout.ms": int(settings.session_timeout * 1000),
                "reconnect.backoff.ms": max(int(settings.consume_retry_interval * 1000), 1),
            }
        )
        try:
            await asyncio.to_thread(
                ensure_topics,
                settings.client_config(),
                settings.topics,
                reach_timeout(component),
            )
        except KafkaException as exc:
            raise ComponentInitError(
                component.log_name,
                f"kafka: {unreachable(settings.brokers, exc.args[0].str())}",
            ) from exc

        if settings.dead_letter_topic:
            self._dead_letters = KafkaOutput()
            parked = dict(component.metadata, publishTopic=settings.dead_letter_topic)
            await self._dead_letters.init(replace(component, metadata=parked))

    async def start(self, handler: EventHandler, observer: Observer = NO_OBSERVER) -> None:
        if self._consumer is None or self._settings is None:
            return  # no topics: nothing to read
        self._handler, self._observer = handler, observer
        self._consumer.subscribe(
            list(self._settings.topics),
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_lost,
        )
        # The thread runs in a copy of this task's context, so that its log records stay
        # tagged with their app (a Multi-App Run routes them per app).
        self._thread = threading.Thread(
            target=contextvars.copy_context().run,
            args=(self._poll_loop,),
            name=f"kafka-consumer-{self._component}",
            daemon=True,
        )
        self._thread.start()
        try:
            await asyncio.wait_for(self._assigned.wait(), _ASSIGN_TIMEOUT)
        except TimeoutError as exc:
            raise ComponentInitError(
                self._component,
                f"kafka: consumer group {self._settings.consumer_group} got no partition "
                f"assignment within {_ASSIGN_TIMEOUT:.0f}s",
            ) from exc

    async def close(self) -> None:
        if self._loop is None or self._consumer is None:
            return
        if self._thread is None:  # initialised but never started (the app did not subscribe)
            await asyncio.to_thread(self._consumer.close)
        else:
            # From here on nothing new reaches the app; what is dropped was never acknowledged.
            self._closing = True
            await self._retire(list(self._workers))
            self._stop.set()
            # The poll thread stores what was handled and closes the consumer, which commits.
            await asyncio.to_thread(self._thread.join)
        if self._dead_letters is not None:
            await self._dead_letters.close()

    # --- the poll thread ---------------------------------------------------------------

    def _poll_loop(self) -> None:
        consumer, loop = self._consumer, self._loop
        assert loop is not None
        watermarks_due = 0.0
        try:
            while not self._stop.is_set():
                try:
                    self._store_handled()
                    self._flow_control()
                    if (now := time.monotonic()) >= watermarks_due:
                        watermarks_due = now + _WATERMARK_SECONDS
                        self._read_watermarks()
                    messages = _next_batch(consumer)
                except Exception:
                    # This thread is the binding's only reader: it must outlive any one error.
                    log.exception("kafka binding %s: consumer poll failed", self._component)
                    self._stop.wait(1.0)
                    continue
                ready = [m for m in messages if not _is_error(m)]
                if ready:
                    loop.call_soon_threadsafe(self._dispatch, ready)
        finally:
            self._store_handled()
            try:
                consumer.close()
            except KafkaException as exc:
                log.warning("kafka consumer %s closed with an error: %s", self._component, exc)

    def _store_handled(self) -> None:
        """Store the offsets the workers finished; auto-commit (or close) commits them."""
        latest: dict[tuple[str, int], int] = {}
        while True:
            try:
                topic, partition, next_offset = self._handled.get_nowait()
            except queue.Empty:
                break
            latest[(topic, partition)] = max(next_offset, latest.get((topic, partition), 0))
        for (topic, partition), next_offset in latest.items():
            try:
                self._consumer.store_offsets(
                    offsets=[TopicPartition(topic, partition, next_offset)]
                )
            except KafkaException as exc:
                # Revoked meanwhile: its new owner re-reads from the last commit.
                log.debug("kafka binding %s: offset not stored: %s", self._component, exc)

    def _read_watermarks(self) -> None:
        # cached=True answers from what the last fetch told librdkafka: no broker request.
        for key in list(self._workers):
            try:
                high = self._consumer.get_watermark_offsets(TopicPartition(*key), cached=True)
            except KafkaException:
                continue  # just revoked: no lag to tell, and never a reason to stall polling
            if high is not None and high[1] >= 0:
                self._high[key] = high[1]

    def _flow_control(self) -> None:
        # Reads the loop's worker map from this thread: list() copies it in one step under
        # the GIL, and a worker's `pending` is a plain read.
        for key, worker in list(self._workers.items()):
            pending = worker.pending
            if key not in self._paused and pending >= _HIGH_WATER:
                self._consumer.pause([TopicPartition(*key)])
                self._paused.add(key)
            elif key in self._paused and pending < _HIGH_WATER // 2:
                self._consumer.resume([TopicPartition(*key)])
                self._paused.discard(key)

    def _on_assign(self, consumer: Any, partitions: list[Any]) -> None:
        assert self._settings is not None and self._loop is not None
        # A new group with initialOffset "newest" would otherwise look up the end offset
        # lazily, after we report ready, and miss what is produced in between. Resolving it
        # here makes "partitions assigned" mean "nothing produced from now on is missed".
        try:
            positioned = consumer.committed(partitions, timeout=10.0)
            for tp in positioned:
                if tp.offset == OFFSET_INVALID:
                    if self._settings.initial_offset == "oldest":
                        tp.offset = OFFSET_BEGINNING
                    else:
                        tp.offset = consumer.get_watermark_offsets(tp, timeout=10.0)[1]
        except KafkaException as exc:
            # Still take the partitions: librdkafka then starts from the committed offset or
            # auto.offset.reset, which only risks the start-up window "newest" guards.
            log.warning("kafka binding %s: could not position partitions: %s", self._component, exc)
            positioned = partitions
        consumer.assign(positioned)
        log.info(
            "kafka binding %s assigned %s",
            self._component,
            ", ".join(f"{tp.topic}/{tp.partition}@{tp.offset}" for tp in positioned) or "nothing",
        )
        self._loop.call_soon_threadsafe(self._assigned.set)

    def _on_revoke(self, consumer: Any, partitions: list[Any]) -> None:
        self._drain(partitions)
        self._store_handled()
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:
                log.warning("kafka binding %s: commit on revoke failed: %s", self._component, exc)

    def _on_lost(self, consumer: Any, partitions: list[Any]) -> None:
        # Another member may own these already: stop working on them, commit nothing.
        self._drain(partitions)

    def _drain(self, partitions: list[Any]) -> None:
        """Let in-flight deliveries of `partitions` finish and drop what is queued for them,
        so that one message is never worked on by two group members at once."""
        assert self._loop is not None
        keys = [(tp.topic, tp.partition) for tp in partitions]
        if not self._loop.is_closed():
            retired = asyncio.run_coroutine_threadsafe(self._retire(keys), self._loop)
            try:
                retired.result(timeout=_STOP_GRACE + 1)
            except Exception as exc:
                log.warning(
                    "kafka binding %s: revoke did not drain cleanly: %s", self._component, exc
                )
        for key in keys:
            self._paused.discard(key)

    # --- the event loop ----------------------------------------------------------------

    def _dispatch(self, messages: list[Any]) -> None:
        if self._closing:
            return  # unacknowledged: the group hands them out again
        for message in messages:
            key = (message.topic(), message.partition())
            worker = self._workers.get(key)
            if worker is None:
                assert self._handler is not None and self._settings is not None
                deliverer = Deliverer(
                    self._name, self._handler, self._settings.delivery, self._observer
                )
                park = self._dead_letter if self._dead_letters is not None else None
                worker = PartitionWorker(
                    *key, deliverer, self._store, park, self._settings.dead_letter_topic
                )
                self._workers[key] = worker
            worker.put(message)

    def _store(self, topic: str, partition: int, next_offset: int) -> None:
        self._handled.put((topic, partition, next_offset))

    async def _dead_letter(self, message: Any, error: str, attempts: int) -> None:
        assert self._dead_letters is not None
        headers = {name: (value or b"").decode("utf-8", "replace")
                   for name, value in message.headers() or ()}  # fmt: skip
        if message.key() is not None:
            headers["partitionKey"] = message.key().decode("utf-8", "replace")
        headers |= {
            "daprlite-error": error,
            "daprlite-attempts": str(attempts),
            "daprlite-origin-topic": message.topic(),
            "daprlite-origin-partition": str(message.partition()),
            "daprlite-origin-offset": str(message.offset()),
        }
        await self._dead_letters.invoke(InvokeRequest(message.value() or b"", headers, "create"))
        self._parked.append(
            {
                "time": time.time(),
                "deadLetterTopic": self._settings.dead_letter_topic if self._settings else "",
                "topic": message.topic(),
                "partition": message.partition(),
                "offset": message.offset(),
                "key": headers.get("partitionKey"),
                "error": error,
                "attempts": attempts,
            }
        )

    def status(self) -> dict[str, Any]:
        """Per assigned partition: messages waiting, the next offset not done with (what is
        or will be committed), the high watermark and the lag between them, and the stalled
        message if one is; then the messages most recently parked on the dead-letter topic."""
        group = self._settings.consumer_group if self._settings else ""
        report = []
        for (topic, partition), worker in sorted(self._workers.items()):
            entry: dict[str, Any] = {
                "topic": topic,
                "partition": partition,
                "pending": worker.pending,
                "group": group,
                "position": worker.position,
                "end": self._end((topic, partition), worker),
                "lag": self._lag((topic, partition), worker),
            }
            if worker.stall is not None:
                entry["retrying"] = worker.stall.describe()
            report.append(entry)
        return {"partitions": report, "deadLetters": list(self._parked)}

    def lag(self) -> list[StreamLag]:
        """Per partition with a worker: high watermark minus the next offset not done with."""
        return [
            StreamLag(topic, str(partition), self._lag((topic, partition), worker),
                      worker.stall is not None)
            for (topic, partition), worker in sorted(self._workers.items())
        ]  # fmt: skip

    def _end(self, key: tuple[str, int], worker: PartitionWorker) -> int | None:
        """The partition's end offset as far as we know: the cached high watermark is read
        once a second, but the end is never below an offset already handed to us."""
        high, position = self._high.get(key), worker.position
        if high is None or position is None:
            return high
        return max(high, position)

    def _lag(self, key: tuple[str, int], worker: PartitionWorker) -> int | None:
        end, position = self._end(key, worker), worker.position
        return None if end is None or position is None else end - position

    async def _retire(self, keys: list[tuple[str, int]]) -> None:
        workers = [w for k in keys if (w := self._workers.pop(k, None)) is not None]
        await asyncio.gather(*(w.stop(_STOP_GRACE) for w in workers))


def _next_batch(consumer: Any) -> list[Any]:
    """What is already fetched (up to _BATCH), or else the first message within _POLL_SECONDS.

    consume(n, timeout) waits out its whole timeout unless n messages arrive, which held a
    trickle of messages back for up to the timeout (end-to-end p50 ~100 ms at 1,000 msgs/s).
    poll() returns on the first message; consume(n, 0) takes what is there without waiting.
    """
    messages: list[Any] = consumer.consume(_BATCH, 0)
    if messages:
        return messages
    first = consumer.poll(_POLL_SECONDS)
    if first is None:
        return []
    return [first, *consumer.consume(_BATCH - 1, 0)]


def _is_error(message: Any) -> bool:
    err = message.error()
    if err is None:
        return False
    if err.code() != KafkaError._PARTITION_EOF:
        log.warning("kafka consumer error: %s", err.str())
    return True

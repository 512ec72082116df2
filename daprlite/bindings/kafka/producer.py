"""Kafka output binding: `create` produces one record and answers once the broker acked it.

confluent-kafka's Producer never blocks in `produce()`, but its delivery reports arrive only
through `poll()`. One daemon thread polls; each report resolves the request's future on the
event loop with `call_soon_threadsafe`, so the loop itself never waits on librdkafka. A fatal
producer error (librdkafka's only way out: a new instance) makes the next request replace it.

Batching only under load: `linger.ms` holds every record about 1 ms, which is all of a lone
request's latency and saves much CPU when many are in flight. While the binding is quiet (few
requests in flight on average), the poll thread serves reports with `flush()` instead, during
which librdkafka sends at once regardless of linger.ms; under load it polls and records batch.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from daprlite.bindings.kafka.connect import check_brokers
from daprlite.bindings.kafka.settings import KafkaSettings
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError

log = logging.getLogger("daprlite.bindings.kafka")
# librdkafka's own chatter (a broker briefly down), shown at debug level only.
client_log = logging.getLogger("daprlite.bindings.kafka.client")

# How long a record may wait for its ack (librdkafka retries inside this budget) before the
# request fails with a 500: long enough for a broker restart, short enough never to "hang".
DEFAULT_PUBLISH_TIMEOUT = 30.0
# Beyond publishTimeout, how long a request waits for librdkafka's own timeout report (its
# timeout scan runs about once a second) before it answers without one.
_REPORT_MARGIN = 5.0
_POLL_SECONDS = 0.05
# Records in flight seen by each request, averaged (weight of the newest); below QUIET_BELOW the
# records go out at once (flush), above BUSY_ABOVE they batch (poll); between, the mode holds.
_LOAD_WEIGHT = 0.1
_QUIET_BELOW = 1.0
_BUSY_ABOVE = 2.0
# After poll() raised, a pause so that an error on every call cannot spin the thread.
_POLL_ERROR_PAUSE = 0.5
# A replaced producer's purged records get their (failed) reports within this.
_RETIRE_FLUSH_SECONDS = 5.0
_KEY_FIELDS = ("partitionKey", "__key")


ProducerFactory = Callable[[dict[str, Any]], Any]


class KafkaOutput:
    def __init__(self, producer_class: ProducerFactory = Producer) -> None:
        """`producer_class`: what makes the confluent-kafka Producer (tests pass a fake)."""
        self._make_producer = producer_class
        self._producer: Any = None
        self._settings: KafkaSettings | None = None
        self._name = ""
        self._config: dict[str, Any] = {}
        self._publish_timeout = DEFAULT_PUBLISH_TIMEOUT
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        # Which producer is in use, and which one last reported a fatal error (set by its
        # error_cb on the poll thread): a late report from a replaced one changes nothing.
        self._generation = 0
        self._fatal_generation: int | None = None
        self._replacing = asyncio.Lock()
        # Load, read and written on the event loop; `_quiet` is read by the poll thread, and
        # `_wake` rouses it for a record produced while quiet.
        self._in_flight = 0
        self._load = 0.0
        self._quiet = True
        self._wake = threading.Event()

    @staticmethod
    def check_metadata(component: Component) -> None:
        KafkaSettings.from_component(component)
        _publish_timeout(component)

    async def init(self, component: Component) -> None:
        self._settings = settings = KafkaSettings.from_component(component)
        self._name = component.log_name
        self._publish_timeout = _publish_timeout(component)
        self._config = settings.client_config() | {
            # Every 204 must mean "in Kafka": wait for all in-sync replicas, no duplicates
            # from librdkafka's own retries.
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 1,
            "message.max.bytes": max(settings.max_message_bytes, 1000),
            "message.timeout.ms": int(self._publish_timeout * 1000),
        }
        self._loop = asyncio.get_running_loop()
        # Like daprd, an unreachable broker (or a refused login) fails start-up instead of
        # every later request.
        await check_brokers(settings, component)
        self._producer = self._new_producer()
        # In a copy of this task's context: delivery and log callbacks keep their app's tag.
        self._poller = threading.Thread(
            target=contextvars.copy_context().run,
            args=(self._poll_loop,),
            name=f"kafka-producer-{component.name}",
            daemon=True,
        )
        self._poller.start()

    def _new_producer(self) -> Any:
        self._generation += 1
        generation = self._generation

        def on_error(err: KafkaError) -> None:
            # On the poll thread, from poll().
            if not err.fatal():
                client_log.debug("kafka producer %s: %s", self._name, err.str())
            elif self._fatal_generation != generation:
                self._fatal_generation = generation
                log.error(
                    "kafka binding %s: the producer hit a fatal error (%s); the next request "
                    "replaces it with a new one",
                    self._name,
                    err.str(),
                )

        return self._make_producer(self._config | {"error_cb": on_error})

    async def _replace_failed_producer(self) -> None:
        async with self._replacing:
            if self._fatal_generation != self._generation:
                return  # a request before this one has replaced it already
            failed, self._producer = self._producer, self._new_producer()
            log.warning("kafka binding %s: replaced the failed producer", self._name)
            await asyncio.to_thread(_retire, failed)

    def operations(self) -> Sequence[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        assert self._settings is not None and self._loop is not None, "init() first"
        topic = self._settings.publish_topic
        if not topic:
            raise BindingInvokeError("kafka: publishTopic is not set in the component")
        if self._stop.is_set():
            raise BindingInvokeError("kafka: the binding is shutting down")
        if self._fatal_generation == self._generation:
            await self._replace_failed_producer()
        key = next((request.metadata[k] for k in _KEY_FIELDS if request.metadata.get(k)), None)
        done: asyncio.Future[None] = self._loop.create_future()
        extra: dict[str, Any] = {}
        if "partitionNumber" in request.metadata:
            extra["partition"] = _partition_number(request.metadata["partitionNumber"])
        self._note_load()
        self._produce(topic, request, key, done, extra)
        if self._quiet:
            self._wake.set()
        # librdkafka reports every record by message.timeout.ms; this bound holds even if its
        # reports stop coming, so a request never hangs.
        # One timer, not asyncio.wait_for (which wraps the future in a task of its own): this is
        # the hot path of every publish.
        expiry = self._loop.call_later(
            self._publish_timeout + _REPORT_MARGIN, _expire, done, self._publish_timeout
        )
        self._in_flight += 1
        try:
            await done
        finally:
            self._in_flight -= 1
            expiry.cancel()
        return None

    def _note_load(self) -> None:
        self._load += (self._in_flight - self._load) * _LOAD_WEIGHT
        if self._load < _QUIET_BELOW:
            self._quiet = True
        elif self._load > _BUSY_ABOVE:
            self._quiet = False

    def _produce(
        self,
        topic: str,
        request: InvokeRequest,
        key: str | None,
        done: asyncio.Future[None],
        extra: dict[str, Any],
    ) -> None:
        loop = self._loop
        assert loop is not None

        def on_delivery(err: KafkaError | None, _msg: Any) -> None:
            loop.call_soon_threadsafe(_settle, done, err)

        try:
            self._producer.produce(
                topic,
                value=record_value(request.data),
                key=key,
                headers=list(request.metadata.items()),
                on_delivery=on_delivery,
                **extra,
            )
        except BufferError as exc:
            raise BindingInvokeError("kafka: the local produce queue is full") from exc
        except KafkaException as exc:
            raise BindingInvokeError(f"kafka: {_reason(exc)}") from exc

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            try:
                # self._producer read each time: a replaced producer is polled from then on.
                if self._quiet:
                    self._serve_at_once(self._producer)
                else:
                    self._producer.poll(_POLL_SECONDS)
            except Exception:
                # This thread serves every delivery report: it must outlive any one error
                # (poll() re-raises what a callback raised).
                log.exception("kafka binding %s: producer poll failed", self._name)
                self._stop.wait(_POLL_ERROR_PAUSE)

    def _serve_at_once(self, producer: Any) -> None:
        # Cleared before the queue is looked at: a record produced after that sets it again.
        self._wake.wait(_POLL_SECONDS)
        self._wake.clear()
        if len(producer):
            # Returns once every record is reported (or after the timeout), having served the
            # reports; meanwhile librdkafka sends what it has without waiting for linger.ms.
            producer.flush(_POLL_SECONDS)
        else:
            producer.poll(0)  # error and log callbacks

    async def close(self) -> None:
        if self._producer is None or self._loop is None:
            return
        self._stop.set()
        self._wake.set()
        if self._poller is not None:
            await asyncio.to_thread(self._poller.join)
        # flush() serves the remaining delivery reports, so no request is left unanswered.
        remaining = await asyncio.to_thread(self._producer.flush, 10.0)
        if remaining:
            log.warning("kafka producer closed with %d unacknowledged records", remaining)


def _publish_timeout(component: Component) -> float:
    meta = MetadataReader(component)
    timeout = meta.duration("publishTimeout", DEFAULT_PUBLISH_TIMEOUT)
    if timeout <= 0:
        raise meta.error("publishTimeout", "must be a positive duration")
    return timeout


def record_value(data: bytes) -> bytes | None:
    """No data, or JSON `null` (what `"data": null` or no data becomes over HTTP), is a record
    with no value, as daprd's Kafka component writes it; anything else goes as given."""
    return None if data in (b"", b"null") else data


def _retire(producer: Any) -> None:
    """Let go of a failed producer: its unsent records are failed, and their reports served, so
    that every request waiting on one is answered."""
    try:
        producer.purge()
        producer.flush(_RETIRE_FLUSH_SECONDS)
    except KafkaException as exc:
        log.debug("kafka: the failed producer did not close cleanly: %s", _reason(exc))


def _expire(done: asyncio.Future[None], publish_timeout: float) -> None:
    if not done.done():
        bound = publish_timeout + _REPORT_MARGIN
        done.set_exception(
            BindingInvokeError(
                f"kafka: no delivery report for the record within {bound:g}s (publishTimeout "
                f"{publish_timeout:g}s plus {_REPORT_MARGIN:g}s); it may or may not have "
                "been written"
            )
        )


def _settle(done: asyncio.Future[None], err: KafkaError | None) -> None:
    if done.done():
        return
    if err is None:
        done.set_result(None)
    else:
        done.set_exception(BindingInvokeError(f"kafka: {err.str()}"))


def _partition_number(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        number = -1
    if number < 0:
        raise BindingInvokeError(f"kafka: partitionNumber must be a non-negative integer: {raw}")
    return number


def _reason(exc: KafkaException) -> str:
    err = exc.args[0] if exc.args else None
    return err.str() if isinstance(err, KafkaError) else str(exc)

"""bindings.mqtt3 input: one subscription (client id `<consumerID>-consumer`, QoS 1) whose
messages reach the app one at a time, in the order the broker sent them, each acknowledged
(PUBACK) only after the app accepted it or it was parked on the dead-letter topic.

daprd hands every message to its own goroutine (parallel, unordered); daprlite keeps the
order, as it does for Kafka, and lets bindings/delivery decide retries and give-ups.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

from daprlite.bindings.delivery import Deliverer, Parking
from daprlite.bindings.mqtt3.client import MqttConnection, MqttError, Received
from daprlite.bindings.mqtt3.settings import Mqtt3Settings
from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler
from daprlite.model.errors import ComponentInitError
from daprlite.model.observer import NO_OBSERVER, Observer

log = logging.getLogger("daprlite.bindings.mqtt3")

_STOP_GRACE = 5.0
_KEPT = 20  # unacknowledged and parked messages listed in status()


class Mqtt3Input:
    def __init__(self) -> None:
        self._settings: Mqtt3Settings | None = None
        self._component = self._name = ""
        self._connection: MqttConnection | None = None
        self._deliverer: Deliverer | None = None
        self._queue: asyncio.Queue[Received] = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        # Messages that came on a connection before this one, when the broker resumed the
        # session: it sends them again, so the copies still queued here are dropped.
        self._resent_before = 0
        self._closing = False
        self._handled = 0
        self._last_error = ""  # why the app refused the message in delivery, for status()
        self._unacked: deque[dict[str, Any]] = deque(maxlen=_KEPT)
        self._parked: deque[dict[str, Any]] = deque(maxlen=_KEPT)

    @staticmethod
    def check_metadata(component: Component) -> None:
        Mqtt3Settings.from_component(component)

    async def init(self, component: Component) -> None:
        # As daprd: only the metadata here; the connection is made when reading starts.
        self._settings = Mqtt3Settings.from_component(component)
        self._component, self._name = component.log_name, component.name

    async def start(self, handler: EventHandler, observer: Observer = NO_OBSERVER) -> None:
        settings = self._settings
        assert settings is not None
        self._deliverer = Deliverer(
            self._name, self._noting(handler), settings.delivery(), observer
        )
        self._connection = MqttConnection(
            settings,
            settings.reader_id,
            self._component,
            subscribe=settings.topic,
            on_message=self._arrived,
            on_connected=self._on_connected,
        )
        try:
            await self._connection.open()
        except MqttError as exc:
            self._connection = None
            raise ComponentInitError(self._component, f"mqtt: {exc}") from exc
        log.info(
            "component %s: subscribed to topic %s (qos: 1) as %s",
            self._name,
            settings.topic,
            settings.reader_id,
        )
        self._worker = asyncio.create_task(self._run(), name=f"mqtt3-{self._name}")

    async def close(self) -> None:
        self._closing = True
        if self._worker is not None:
            while not self._queue.empty():  # never acknowledged: the session keeps them
                self._queue.get_nowait()
            stalled = self._deliverer is not None and self._deliverer.stall is not None
            if not stalled:
                try:
                    await asyncio.wait_for(self._idle.wait(), _STOP_GRACE)
                except TimeoutError:
                    log.warning(
                        "component %s: delivery still in flight after %.0fs; the broker sends "
                        "it again",
                        self._name,
                        _STOP_GRACE,
                    )
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()

    # --- from the connection -------------------------------------------------------------

    def _arrived(self, received: Received) -> None:
        if not self._closing:
            self._queue.put_nowait(received)

    def _on_connected(self, connection: int, session_present: bool) -> None:
        if connection == 1:
            return
        settings = self._settings
        assert settings is not None
        waiting = self._queue.qsize() + len(self._unacked)
        if session_present:
            self._resent_before = connection
            self._unacked.clear()  # the broker sends those again, too
            return
        if not settings.clean_session and waiting:
            log.warning(
                "component %s: the broker kept no session for %s; %d unacknowledged messages "
                "will not come again (are the broker's sessions persistent?)",
                self._name,
                settings.reader_id,
                waiting,
            )

    # --- the delivery worker ---------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            received = await self._queue.get()
            if received.connection < self._resent_before:
                continue  # the resumed session sends it again
            self._idle.clear()
            try:
                await self._handle(received)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the reader must outlive any one message
                log.exception("component %s: delivery failed", self._name)
                self._left_unacked(received, repr(exc))
            finally:
                self._idle.set()

    async def _handle(self, received: Received) -> None:
        assert self._deliverer is not None and self._connection is not None
        event = BindingEvent(data=received.payload, metadata={"topic": received.topic})
        position = {"topic": received.topic, "mid": received.mid}
        done = await self._deliverer.deliver(
            event, _describe(received), position, self._parking(received)
        )
        self._handled += 1
        if not done:
            self._left_unacked(received, self._last_error)
        elif not self._connection.ack(received):
            log.info(
                "component %s: MQTT message %s was handled, but its connection is gone; the "
                "broker may send it once more",
                self._name,
                _describe(received),
            )

    def _parking(self, received: Received) -> Parking | None:
        settings, connection = self._settings, self._connection
        assert settings is not None and connection is not None
        if not settings.dead_letter_topic:
            return None
        topic = settings.dead_letter_topic

        async def park(error: str, attempts: int) -> None:
            await connection.publish(topic, received.payload, retain=False)
            self._parked.append(
                {
                    "time": time.time(),
                    "deadLetterTopic": topic,
                    "topic": received.topic,
                    "mid": received.mid,
                    "error": error,
                    "attempts": attempts,
                }
            )

        return Parking(park, f"dead-letter topic {topic}")

    def _noting(self, handler: EventHandler) -> EventHandler:
        async def handle(event: BindingEvent) -> None:
            try:
                await handler(event)
            except DeliveryError as exc:
                self._last_error = str(exc)
                raise

        return handle

    def _left_unacked(self, received: Received, error: str) -> None:
        """daprd's give-up: no PUBACK. The broker resends the message only when this client
        reconnects (Mosquitto) and it holds one of the broker's in-flight slots till then."""
        log.error(
            "component %s: MQTT message %s is left unacknowledged; the broker sends it again "
            "only after this client reconnects. Listed under inputBindings in /v1.0/metadata.",
            self._name,
            _describe(received),
        )
        self._unacked.append(
            {
                "time": time.time(),
                "topic": received.topic,
                "mid": received.mid,
                "connection": received.connection,
                "error": error,
            }
        )

    def status(self) -> dict[str, Any]:
        """One stream (the subscription): messages waiting here, the message being retried if
        one is, the messages left unacknowledged and those parked on the dead-letter topic."""
        topic = self._settings.topic if self._settings else ""
        entry: dict[str, Any] = {
            "topic": topic,
            "partition": 0,
            "pending": self._queue.qsize() + (0 if self._idle.is_set() else 1),
            "position": None,
            "end": None,
            "lag": None,
            "handled": self._handled,
        }
        if self._deliverer is not None and self._deliverer.stall is not None:
            entry["retrying"] = self._deliverer.stall.describe()
        connection = self._connection
        return {
            "partitions": [entry],
            "connected": connection is not None and connection.connected.is_set(),
            "clientID": connection.client_id if connection else "",
            "unacked": list(self._unacked),
            "deadLetters": list(self._parked),
        }


def _describe(received: Received) -> str:
    """`topic/mid`, as daprd names a message in its logs."""
    return f"{received.topic}/{received.mid}"

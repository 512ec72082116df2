"""RabbitMQ input binding: one consumer on the queue, one message in flight, in queue order.

A delivery is acknowledged only after the app's 2xx (or after it was parked on the opt-in
dead-letter queue); a failure is retried in place with the shared back-off (bindings/delivery),
never requeued in a hot loop. When the connection is lost, what was fetched but not yet
delivered is let go (the broker hands it out again) and the binding reconnects every
`reconnectWaitInSeconds`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

from daprlite.bindings.delivery import Deliverer, Parking
from daprlite.bindings.rabbitmq.connect import Link, declare_queue, open_link, reason
from daprlite.bindings.rabbitmq.message import describe, incoming, parked
from daprlite.bindings.rabbitmq.settings import RabbitSettings
from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler, StreamLag
from daprlite.model.errors import ComponentInitError
from daprlite.model.observer import NO_OBSERVER, Observer

log = logging.getLogger("daprlite.bindings.rabbitmq")

_STOP_GRACE = 5.0
_START_TIMEOUT = 30.0  # how long close() lets the delivery in flight finish
_PARKED_KEPT = 20


class _Abandoned(Exception):
    """The delivery's channel is gone: the broker will hand the message out again."""


class RabbitMQInput:
    def __init__(self) -> None:
        self._settings: RabbitSettings | None = None
        self._name = self._log_name = ""
        self._link: Link | None = None
        self._queue: AbstractQueue | None = None
        self._deliverer: Deliverer | None = None
        # Each connection is a generation: a message is acknowledged only on its own.
        self._generation = 0
        self._inbox: asyncio.Queue[tuple[int, AbstractIncomingMessage]] = asyncio.Queue()
        self._current: asyncio.Task[bool] | None = None
        self._attempting = False
        self._delivering = 0  # the generation of the message in delivery
        self._app: EventHandler | None = None
        self._idle = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._consuming = asyncio.Event()
        self._reconnects = 0
        self._acked = 0
        self._parked: deque[dict[str, Any]] = deque(maxlen=_PARKED_KEPT)

    @staticmethod
    def check_metadata(component: Component) -> None:
        RabbitSettings.from_component(component)

    async def init(self, component: Component) -> None:
        self._settings = settings = RabbitSettings.from_component(component)
        self._name, self._log_name = component.name, component.log_name
        try:
            await self._connect()
        except Exception as exc:
            raise ComponentInitError(
                component.log_name, f"rabbitmq: {reason(exc, settings)}"
            ) from exc

    async def _connect(self) -> None:
        settings = self._settings
        assert settings is not None
        link = await open_link(settings, self._name, "input")
        try:
            await link.channel.set_qos(prefetch_count=settings.effective_prefetch, global_=True)
            queue = await declare_queue(link.channel, settings)
            if settings.dead_letter_queue:
                # Durable: a parked message must survive a broker restart.
                await link.channel.declare_queue(settings.dead_letter_queue, durable=True)
        except BaseException:
            await link.close()
            raise
        self._generation += 1
        self._link, self._queue = link, queue

    async def start(self, handler: EventHandler, observer: Observer = NO_OBSERVER) -> None:
        assert self._settings is not None, "init() first"
        self._app = handler
        self._deliverer = Deliverer(self._name, self._attempt, self._settings.delivery, observer)
        self._tasks = [
            asyncio.create_task(self._supervise(), name=f"rabbitmq-{self._name}-link"),
            asyncio.create_task(self._work(), name=f"rabbitmq-{self._name}-worker"),
        ]
        try:
            await asyncio.wait_for(self._consuming.wait(), _START_TIMEOUT)
        except TimeoutError as exc:
            await self.close()
            raise ComponentInitError(
                self._log_name,
                f"rabbitmq: could not start consuming queue {self._settings.queue} within "
                f"{_START_TIMEOUT:g}s",
            ) from exc

    def _live(self, generation: int) -> bool:
        """Whether the connection a message came on is still the one in use."""
        return generation == self._generation and self._link is not None and self._link.usable

    # --- the connection ------------------------------------------------------------------

    async def _supervise(self) -> None:
        settings = self._settings
        assert settings is not None
        while not self._closing:
            if self._link is None or not self._link.usable:
                try:
                    await self._connect()
                except Exception as exc:
                    log.warning(
                        "rabbitmq binding %s: reconnect failed: %s; next try in %gs",
                        self._name,
                        reason(exc, settings),
                        settings.reconnect_wait,
                    )
                    await asyncio.sleep(settings.reconnect_wait)
                    continue
                self._reconnects += 1
                log.info("rabbitmq binding %s: input reconnected to %s", self._name, settings.where)
            link, queue, generation = self._link, self._queue, self._generation
            assert link is not None and queue is not None

            async def receive(
                message: AbstractIncomingMessage, generation: int = generation
            ) -> None:
                self._receive(generation, message)

            try:
                await queue.consume(receive, no_ack=False)
            except Exception as exc:
                log.warning(
                    "rabbitmq binding %s: consuming queue %s failed: %s",
                    self._name,
                    settings.queue,
                    reason(exc, settings),
                )
                await link.close()
            else:
                self._consuming.set()
                await link.lost.wait()
            if self._closing:
                return
            self._let_go(generation)
            log.warning(
                "rabbitmq binding %s: lost the connection to %s; reconnecting in %gs",
                self._name,
                settings.where,
                settings.reconnect_wait,
            )
            await link.close()
            await asyncio.sleep(settings.reconnect_wait)

    def _receive(self, generation: int, message: AbstractIncomingMessage) -> None:
        # Called in delivery order; queued without awaiting, so that order is kept.
        if self._closing:
            return  # never acknowledged: it goes back to the queue with the connection
        self._inbox.put_nowait((generation, message))

    def _let_go(self, generation: int) -> None:
        """Forget what `generation` fetched; stop retrying its message in flight (the broker
        requeued them all). A call to the app under way is let finish."""
        while not self._inbox.empty():
            self._inbox.get_nowait()
        if self._current is not None and not self._attempting:
            self._current.cancel()

    # --- delivery ------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            self._idle.set()
            generation, message = await self._inbox.get()
            self._idle.clear()
            if self._closing or not self._live(generation):
                continue  # not acknowledged: the broker hands it out again
            self._current = asyncio.create_task(self._deliver(generation, message))
            try:
                done = await self._current
            except (asyncio.CancelledError, _Abandoned):
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                continue
            finally:
                self._current = None
            await self._settle(generation, message, done)

    async def _deliver(self, generation: int, message: AbstractIncomingMessage) -> bool:
        assert self._deliverer is not None and self._settings is not None
        self._delivering = generation
        parking = None
        if self._settings.dead_letter_queue:

            async def park(error: str, attempts: int) -> None:
                await self._park(generation, message, error, attempts)

            parking = Parking(park, f"dead-letter queue {self._settings.dead_letter_queue}")
        position = {"deliveryTag": message.delivery_tag, "redelivered": message.redelivered}
        what = _Described(self._settings.queue, message)
        return await self._deliverer.deliver(incoming(message), what, position, parking)

    async def _attempt(self, event: BindingEvent) -> None:
        """One call to the app, unless the message's connection is gone (then its retries
        stop: the broker hands it out again)."""
        generation = self._delivering
        if not self._live(generation):
            raise _Abandoned
        self._attempting = True
        try:
            assert self._app is not None
            await self._app(event)
        except DeliveryError:
            if not self._live(generation):
                raise _Abandoned from None
            raise
        finally:
            self._attempting = False

    async def _settle(self, generation: int, message: AbstractIncomingMessage, done: bool) -> None:
        if not self._live(generation):
            log.warning(
                "rabbitmq binding %s: %s was handled but its connection is gone; the broker "
                "will deliver it again",
                self._name,
                _Described(self._settings.queue if self._settings else "", message),
            )
            return
        try:
            if done:
                await message.ack()
                self._acked += 1
            else:  # given up on without a place to park it: back to the queue, as daprd does
                await message.nack(requeue=True)
        except Exception as exc:
            log.warning(
                "rabbitmq binding %s: acknowledging %s failed (%s); it will be delivered again",
                self._name,
                _Described(self._settings.queue if self._settings else "", message),
                exc,
            )

    async def _park(
        self, generation: int, message: AbstractIncomingMessage, error: str, attempts: int
    ) -> None:
        settings, link = self._settings, self._link
        assert settings is not None and link is not None
        if not self._live(generation):
            raise _Abandoned
        await link.channel.default_exchange.publish(
            parked(message, settings.queue, error, attempts),
            routing_key=settings.dead_letter_queue,
            mandatory=True,
            timeout=settings.publish_timeout,
        )
        self._parked.append(
            {
                "time": time.time(),
                "deadLetterQueue": settings.dead_letter_queue,
                "queue": settings.queue,
                "messageId": message.message_id,
                "error": error,
                "attempts": attempts,
            }
        )

    # --- status and shutdown -------------------------------------------------------------

    @property
    def _pending(self) -> int:
        return self._inbox.qsize() + (0 if self._current is None else 1)

    def status(self) -> dict[str, Any]:
        """The queue as one ordered stream: messages fetched and not yet acknowledged, the
        message being retried if one is, the connection's state and what was parked."""
        settings = self._settings
        entry: dict[str, Any] = {
            "topic": settings.queue if settings else "",
            "partition": 0,
            "pending": self._pending,
            "position": None,
            "end": None,
            "lag": None,
            "connected": self._link is not None and self._link.usable,
            "reconnects": self._reconnects,
            "acked": self._acked,
        }
        stall = self._deliverer.stall if self._deliverer else None
        if stall is not None:
            entry["retrying"] = stall.describe()
        return {"partitions": [entry], "deadLetters": list(self._parked)}

    def lag(self) -> list[StreamLag]:
        settings = self._settings
        stalled = self._deliverer is not None and self._deliverer.stall is not None
        return [StreamLag(settings.queue if settings else "", "", None, stalled)]

    async def close(self) -> None:
        self._closing = True
        while not self._inbox.empty():
            self._inbox.get_nowait()
        if self._tasks:
            stalled = self._deliverer is not None and self._deliverer.stall is not None
            if stalled and self._current is not None:
                self._current.cancel()  # a message that keeps failing is not waited for
            try:
                # The delivery in flight finishes and is acknowledged.
                await asyncio.wait_for(self._idle.wait(), _STOP_GRACE)
            except TimeoutError:
                log.warning(
                    "rabbitmq binding %s: delivery still in flight after %.0fs; it will be "
                    "delivered again",
                    self._name,
                    _STOP_GRACE,
                )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._link is not None:
            await self._link.close()


class _Described:
    """A delivery's log name, made only when a line is written."""

    __slots__ = ("message", "queue")

    def __init__(self, queue: str, message: AbstractIncomingMessage) -> None:
        self.queue, self.message = queue, message

    def __str__(self) -> str:
        return describe(self.queue, self.message)

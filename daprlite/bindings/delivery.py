"""One input event to the app under Dapr's retry policy: retries, stalls, dead letters, skips.

Every input binding type hands its events to a Deliverer and keeps for itself only its ordering
and how it acknowledges (Kafka: a worker per partition storing offsets). What a failed
delivery leads to:

    consumeRetryEnabled   parking place   when the app keeps failing
    (absent)              none            retry for ever; the stream waits (daprlite default)
    (absent) or "true"    yes             retry as backOff* allows, then park it, move on
    "true"                none            retry as backOff* allows, then skip it (as daprd)
    "false"               none / yes      skip at once (as daprd) / park it at once
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from daprlite.bindings.retry import RetryPolicy
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler
from daprlite.model.observer import NO_OBSERVER, Observer

log = logging.getLogger("daprlite.bindings.delivery")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    retry_enabled: bool | None = None  # consumeRetryEnabled; None when not written
    # How log lines name one event and the ordered stream it holds up.
    noun: str = "message"
    stream: str = "stream"


@dataclass(frozen=True, slots=True)
class Parking:
    """Somewhere safe for a message the app keeps refusing (a dead-letter topic)."""

    park: Callable[[str, int], Awaitable[None]]  # (last error, attempts); raises on failure
    where: str  # for the log: "dead-letter topic orders-dlq"


@dataclass(slots=True)
class Stall:
    """A message whose delivery keeps failing, holding up its stream."""

    position: Mapping[str, Any]  # where it is, in the binding's words: {"offset": 42}
    attempts: int
    last_error: str
    since: float  # time.time() of the first failure

    def describe(self) -> dict[str, Any]:
        return {
            **self.position,
            "attempts": self.attempts,
            "lastError": self.last_error,
            "waitingSeconds": round(time.time() - self.since, 1),
        }


class Deliverer:
    """Delivers the events of one ordered stream, one at a time; `stall` tells where it waits."""

    def __init__(
        self,
        binding: str,
        handler: EventHandler,
        policy: DeliveryPolicy,
        observer: Observer = NO_OBSERVER,
    ) -> None:
        self._binding, self._handler, self._policy = binding, handler, policy
        self._observer = observer
        self.stall: Stall | None = None

    async def deliver(
        self,
        event: BindingEvent,
        what: object,
        position: Mapping[str, Any],
        parking: Parking | None = None,
    ) -> bool:
        """True when the message is done with (accepted, or parked); False when skipped.

        `what`'s str() names the message in log lines (`topic/0/42 [key=...]`); it is asked for
        only when a line is written, so a description costly to make costs nothing on success.
        """
        delays = self._policy.retry.delays()
        attempt = 0
        try:
            while True:
                attempt += 1
                error = await self._attempt(event, attempt)
                if error is None:
                    if self.stall is not None:
                        log.info(
                            "Successfully processed %s after it previously failed: %s",
                            self._policy.noun,
                            what,
                        )
                    return True
                delay = self._next_delay(delays, parking)
                if delay is None:
                    return await self._give_up(what, error, attempt, parking)
                # Only a message that will be tried again holds its stream up.
                self._note_failure(position, error)
                log.warning(
                    "Error processing %s: %s. Error: %s. Retrying in %.1fs (attempt %d failed); "
                    "later messages of this %s wait.",
                    self._policy.noun,
                    what,
                    error,
                    delay,
                    attempt,
                    self._policy.stream,
                )
                self._observer.input_retry(self._binding, attempt, delay)
                await asyncio.sleep(delay)
        finally:
            if self.stall is not None:
                self.stall = None
                self._observer.input_stalled(self._binding, False)

    async def _attempt(self, event: BindingEvent, attempt: int) -> str | None:
        started = time.perf_counter()
        try:
            await self._handler(event)
        except DeliveryError as exc:
            error: str | None = str(exc)
        else:
            error = None
        seconds = time.perf_counter() - started
        self._observer.input_delivered(self._binding, event, attempt, seconds, error)
        return error

    def _note_failure(self, position: Mapping[str, Any], error: str) -> None:
        if self.stall is None:
            self.stall = Stall(position, 0, error, time.time())
            self._observer.input_stalled(self._binding, True)
        self.stall.attempts += 1
        self.stall.last_error = error

    def _next_delay(self, delays: Iterator[float], parking: Parking | None) -> float | None:
        """The pause before the next attempt, or None to stop retrying this message."""
        mode = self._policy.retry_enabled
        if mode is False:
            return None
        delay = next(delays, None)
        if delay is None and mode is None and parking is None:
            # Nowhere to park it and nobody asked to drop it: keep trying, lose nothing.
            delay = self._policy.retry.steady_interval()
        return delay

    async def _give_up(
        self, what: object, error: str, attempts: int, parking: Parking | None
    ) -> bool:
        if parking is None:
            # daprd's behaviour: log it, leave it unacknowledged, carry on with the next one.
            if self._policy.retry_enabled is False:  # never meant to be retried
                log.error("Error processing %s: %s. Error: %s.", self._policy.noun, what, error)
            else:
                log.error(
                    "Too many failed attempts at processing %s: %s. Error: %s",
                    self._policy.noun,
                    what,
                    error,
                )
            self._observer.input_gave_up(self._binding, "skipped")
            return False
        while True:
            try:
                await parking.park(error, attempts)
            except Exception as exc:  # parking must never lose the message: keep trying
                log.warning("parking %s failed, retrying: %s", what, exc)
                await asyncio.sleep(self._policy.retry.steady_interval())
                continue
            log.warning(
                "%s %s moved to %s after %d attempts. Error: %s",
                self._policy.noun,
                what,
                parking.where,
                attempts,
                error,
            )
            self._observer.input_gave_up(self._binding, "dead_lettered")
            return True

"""A circuit breaker with the state machine of sony/gobreaker v0.5.0, which daprd's use.

closed:    every call counts; a failure for which `trip` holds opens it; with an `interval`, the
           counts start again every interval.
open:      calls fail at once ("circuit breaker is open") until `timeout` has passed.
half-open: up to `max_requests` calls go through ("too many requests" beyond); a failure opens
           it again, `max_requests` successes in a row close it.
A call that ends after the state changed under it (a new generation) changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

from daprlite.model.resiliency import BreakerSpec
from daprlite.resiliency.trip import Trip, compile_trip

log = logging.getLogger("daprlite.resiliency")

State = Literal["closed", "open", "half-open"]
DEFAULT_TIMEOUT = 60.0


class BreakerOpenError(Exception):
    """The breaker refused the call; never retried (daprd makes it a permanent error)."""


class Breaker:
    def __init__(
        self, name: str, spec: BreakerSpec, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name  # daprd's: <policy name>-<component name>
        self._max_requests = spec.max_requests or 1
        self._interval = max(spec.interval, 0.0)
        self._timeout = spec.timeout if spec.timeout > 0 else DEFAULT_TIMEOUT
        self._trip: Trip | Callable[[dict[str, int]], bool] = (
            compile_trip(spec.trip) if spec.trip else _consecutive_failures_over_five
        )
        self._clock = clock
        self._state: State = "closed"
        self._generation = 0
        self._counts = dict.fromkeys(
            (
                "requests",
                "totalSuccesses",
                "totalFailures",
                "consecutiveSuccesses",
                "consecutiveFailures",
            ),
            0,
        )
        self._expiry: float | None = None
        self._new_generation(clock())

    @property
    def state(self) -> State:
        return self._current(self._clock())[0]

    def before(self) -> int:
        """Admit one call and return its generation; BreakerOpenError when it may not run."""
        state, generation = self._current(self._clock())
        if state == "open":
            raise BreakerOpenError("circuit breaker is open")
        if state == "half-open" and self._counts["requests"] >= self._max_requests:
            raise BreakerOpenError("too many requests")
        self._counts["requests"] += 1
        return generation

    def after(self, generation: int, success: bool) -> None:
        """Count the end of a call admitted in `generation`."""
        now = self._clock()
        state, current = self._current(now)
        if current != generation or state == "open":
            return
        counts = self._counts
        if success:
            counts["totalSuccesses"] += 1
            counts["consecutiveSuccesses"] += 1
            counts["consecutiveFailures"] = 0
            if state == "half-open" and counts["consecutiveSuccesses"] >= self._max_requests:
                self._set(now, "closed")
            return
        if state == "closed":  # else half-open
            counts["totalFailures"] += 1
            counts["consecutiveFailures"] += 1
            counts["consecutiveSuccesses"] = 0
            if self._trip(dict(counts)):
                self._set(now, "open")
        else:
            self._set(now, "open")

    def _current(self, now: float) -> tuple[State, int]:
        if self._state == "closed":
            if self._expiry is not None and self._expiry < now:
                self._new_generation(now)
        elif self._state == "open" and self._expiry is not None and self._expiry < now:
            self._set(now, "half-open")
        return self._state, self._generation

    def _set(self, now: float, state: State) -> None:
        if self._state == state:
            return
        previous, self._state = self._state, state
        self._new_generation(now)
        log.info("Circuit breaker %r changed state from %s to %s", self.name, previous, state)

    def _new_generation(self, now: float) -> None:
        self._generation += 1
        for key in self._counts:
            self._counts[key] = 0
        if self._state == "closed":
            self._expiry = now + self._interval if self._interval else None
        elif self._state == "open":
            self._expiry = now + self._timeout
        else:
            self._expiry = None


def _consecutive_failures_over_five(counts: dict[str, int]) -> bool:
    return counts["consecutiveFailures"] > 5

"""The pauses between retries of a resiliency retry policy: cenkalti/backoff v4 (constant or
exponential, with jitter and a cap on the time spent) under dapr/kit's maxRetries."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from daprlite.model.resiliency import RetrySpec


class Backoff:
    """One call's sequence of pauses; `next()` is None once no retry is left."""

    def __init__(
        self,
        spec: RetrySpec,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._spec, self._clock, self._rng = spec, clock, rng
        self._tries = 0
        self._interval = spec.initial_interval
        self._started = clock()

    def next(self) -> float | None:
        spec = self._spec
        if spec.max_retries >= 0:
            if self._tries >= spec.max_retries:
                return None
            self._tries += 1
        if spec.policy == "constant":
            return spec.duration
        elapsed = self._clock() - self._started
        delay = self._randomized(self._interval)
        # The interval grows, then stays at max_interval (which caps it, not the jitter).
        if self._interval >= spec.max_interval / spec.multiplier:
            self._interval = spec.max_interval
        else:
            self._interval *= spec.multiplier
        if spec.max_elapsed_time and elapsed + delay > spec.max_elapsed_time:
            return None
        return delay

    def _randomized(self, interval: float) -> float:
        factor = self._spec.randomization_factor
        if factor == 0:
            return interval
        low, high = interval * (1 - factor), interval * (1 + factor)
        return low + self._rng() * (high - low)

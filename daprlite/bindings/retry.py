"""Dapr's `backOff*` retry policy (constant or exponential), as a sequence of delays."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from daprlite.components.metadata import MetadataReader


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Defaults are those of Dapr's shared retry settings (dapr/kit retry.DefaultConfig)."""

    policy: Literal["constant", "exponential"] = "constant"
    duration: float = 5.0
    max_retries: int = -1  # -1: retry for ever
    initial_interval: float = 0.5
    max_interval: float = 60.0
    multiplier: float = 1.5
    randomization_factor: float = 0.5
    max_elapsed_time: float = 15 * 60.0

    @classmethod
    def from_metadata(cls, meta: MetadataReader) -> RetryPolicy:
        base = cls()
        policy = meta.choice("backOffPolicy", ("constant", "exponential"), base.policy)
        return cls(
            policy="exponential" if policy == "exponential" else "constant",
            duration=meta.duration("backOffDuration", base.duration),
            max_retries=meta.integer("backOffMaxRetries", base.max_retries, minimum=-1),
            initial_interval=meta.duration("backOffInitialInterval", base.initial_interval),
            max_interval=meta.duration("backOffMaxInterval", base.max_interval),
            multiplier=meta.number("backOffMultiplier", base.multiplier, minimum=1.0),
            randomization_factor=meta.number(
                "backOffRandomizationFactor", base.randomization_factor, minimum=0.0
            ),
            max_elapsed_time=meta.duration("backOffMaxElapsedTime", base.max_elapsed_time),
        )

    def endless(self) -> bool:
        """True when this policy never runs out of retries on its own."""
        return self.max_retries < 0 and (self.policy == "constant" or self.max_elapsed_time <= 0)

    def steady_interval(self) -> float:
        """The pause to keep using once a policy's own retries are spent."""
        return self.duration if self.policy == "constant" else self.max_interval

    def delays(
        self, rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic
    ) -> Iterator[float]:
        """The pause before each retry; the iterator ends when no retry is left.

        Call it when the first attempt starts: the exponential policy's budget,
        `max_elapsed_time`, is wall-clock time from then (time spent failing counts too).
        """
        return self._delays(rng, clock, clock())

    def _delays(
        self, rng: random.Random | None, clock: Callable[[], float], started: float
    ) -> Iterator[float]:
        # Made here, at the first retry: seeding a Random is far dearer than a delivery, and
        # this runs for every message, most of which are never retried.
        rng = rng or random.Random()
        interval, attempt = self.initial_interval, 0
        while self.max_retries < 0 or attempt < self.max_retries:
            attempt += 1
            if self.policy == "constant":
                yield self.duration
                continue
            spread = self.randomization_factor * interval
            delay = rng.uniform(interval - spread, interval + spread)
            interval = min(interval * self.multiplier, self.max_interval)
            # The exponential policy has an overall budget; the constant one does not. As
            # cenkalti/backoff (which daprd uses): stop when the next pause would end past it.
            if self.max_elapsed_time > 0 and clock() - started + delay > self.max_elapsed_time:
                return
            yield delay

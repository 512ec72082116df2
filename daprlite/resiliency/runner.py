"""One target's policies around one call, in daprd's order: the timeout bounds each attempt, the
circuit breaker counts each attempt, and the retry repeats attempts (outermost).

A breaker's refusal is never retried. An attempt that fails with a StatusError is retried only
when the retry's `matching` lists its code. The metrics are daprd's: each policy counts once
per call; a timeout and a retry count one activation per call at most; a breaker counts one
for each change of state.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from daprlite.gocompat.duration import format_duration
from daprlite.model.resiliency import NO_RECORDER, PolicyLabels, PolicyRecorder, RetrySpec
from daprlite.resiliency.backoff import Backoff
from daprlite.resiliency.breaker import Breaker, BreakerOpenError
from daprlite.resiliency.retry_codes import needs_retry

log = logging.getLogger("daprlite.resiliency")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class PolicyTimeoutError(Exception):
    """An attempt ran past the policy's timeout and was cancelled."""

    def __init__(self) -> None:
        super().__init__("context deadline exceeded")  # Go's context.DeadlineExceeded


class StatusError(Exception):
    """An attempt's answer had a status the caller counts as a failure (daprd's CodeError);
    `answer` is what came back, for a caller that looks at it after the policies gave up."""

    def __init__(self, status: int, message: str, answer: object = None) -> None:
        super().__init__(message)
        self.status, self.answer = status, answer


@dataclass(frozen=True, slots=True)
class Clocks:
    """Time as the runner sees it; tests pass fakes."""

    now: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    random: Callable[[], float] = random.random


class PolicyRunner:
    def __init__(
        self,
        name: str,
        labels: Callable[[str], PolicyLabels],
        *,
        timeout: float = 0.0,
        retry: RetrySpec | None = None,
        breaker: Callable[[], Breaker] | None = None,
        recorder: PolicyRecorder = NO_RECORDER,
        clocks: Clocks = Clocks(),
    ) -> None:
        """`name`: daprd's for the log ("component[orders] output"); `labels`: the metric labels
        of a policy kind; `breaker`: gives the target's breaker (made on first use, as daprd)."""
        self.name = name
        self.timeout, self.retry = timeout, retry
        self._breaker_source = breaker
        self._breaker: Breaker | None = None
        self._recorder, self._clocks = recorder, clocks
        self._timeout_labels = labels("timeout")
        self._retry_labels = labels("retry")
        self._breaker_labels = labels("circuitbreaker")

    @property
    def has_retries(self) -> bool:
        """daprd's HasRetries: a retry policy that allows at least one retry (or no limit)."""
        return self.retry is not None and self.retry.max_retries != 0

    def breaker(self) -> Breaker | None:
        if self._breaker is None and self._breaker_source is not None:
            self._breaker = self._breaker_source()
        return self._breaker

    async def run(self, operation: Callable[[], Awaitable[T]]) -> T:
        """`operation` under the policies; raises what its last attempt raised, or
        PolicyTimeoutError, or BreakerOpenError."""
        record = self._recorder
        breaker = self.breaker()
        if self.timeout > 0:
            record.resiliency_executed(self._timeout_labels, "")
        if self.retry is not None:
            record.resiliency_executed(self._retry_labels, "")
        if breaker is not None:
            record.resiliency_executed(self._breaker_labels, breaker.state)
        call = _Call(self, operation, breaker)
        if self.retry is None:
            return await call.attempt()
        return await call.with_retries(self.retry)


class _Call(Generic[T]):
    """One run of the policies: what it has recorded so far."""

    def __init__(
        self, runner: PolicyRunner, operation: Callable[[], Awaitable[T]], breaker: Breaker | None
    ) -> None:
        self.runner, self.operation, self.breaker = runner, operation, breaker
        self.timed_out = False

    async def attempt(self) -> T:
        breaker = self.breaker
        if breaker is None:
            return await self._timed()
        before = breaker.state
        try:
            generation = breaker.before()
        except BreakerOpenError:
            self._breaker_moved(before)
            raise
        try:
            result = await self._timed()
        except BaseException:
            breaker.after(generation, success=False)
            self._breaker_moved(before)
            raise
        breaker.after(generation, success=True)
        self._breaker_moved(before)
        return result

    def _breaker_moved(self, before: str) -> None:
        assert self.breaker is not None
        now = self.breaker.state
        if now != before:
            runner = self.runner
            runner._recorder.resiliency_activated(runner._breaker_labels, now)

    async def _timed(self) -> T:
        runner = self.runner
        if runner.timeout <= 0:
            return await self.operation()
        try:
            async with asyncio.timeout(runner.timeout) as deadline:
                return await self.operation()
        except TimeoutError:
            if not deadline.expired():
                raise  # the operation's own timeout, not the policy's
            if not self.timed_out:
                self.timed_out = True
                runner._recorder.resiliency_activated(runner._timeout_labels, "")
            raise PolicyTimeoutError() from None

    async def with_retries(self, spec: RetrySpec) -> T:
        runner, clocks = self.runner, self.runner._clocks
        backoff = Backoff(spec, clocks.now, clocks.random)
        attempts = 0
        while True:
            attempts += 1
            try:
                result = await self.attempt()
            except BreakerOpenError:
                raise
            except StatusError as exc:
                if not needs_retry(spec, exc.status):
                    raise
                error: Exception = exc
            except Exception as exc:
                error = exc
            else:
                if attempts > 1:
                    log.info(
                        "Recovered processing operation %s after %d attempts",
                        runner.name,
                        attempts,
                    )
                return result
            delay = backoff.next()
            if delay is None:
                raise error
            if attempts == 1:  # dapr/kit tells of the first retry only
                runner._recorder.resiliency_activated(runner._retry_labels, "")
                log.warning(
                    "Error processing operation %s. Retrying in %s…",
                    runner.name,
                    format_duration(int(delay * 1e9)),
                )
                log.debug("Error for operation %s was: %s", runner.name, error)
            await clocks.sleep(delay)

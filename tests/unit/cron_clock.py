"""A clock for cron tests that moves only when the test moves it (k8s.io/utils' FakeClock in
the Go tests), and a cron binding type that runs on it, for sidecars built from a registry."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

from daprlite.bindings.cron.binding import CronInput
from daprlite.bindings.registry import BindingRegistry, BindingType
from daprlite.gocompat.gotime import UTC, go_date

SECOND = 1_000_000_000
# The Go certification tests' starting time: 2022-01-01T00:00:00Z.
START = go_date(2022, 1, 1, 0, 0, 0, 0, UTC).unix_nanos


class FakeClock:
    def __init__(self, start: int = START) -> None:
        self._now = start
        self._changed = asyncio.Condition()
        self._asleep: dict[int, int] = {}  # sleeper -> its deadline
        self._ids = itertools.count()

    def now(self) -> int:
        return self._now

    async def sleep_until(self, deadline: int) -> None:
        me = next(self._ids)
        self._asleep[me] = deadline
        try:
            async with self._changed:
                await self._changed.wait_for(lambda: self._now >= deadline)
        finally:
            del self._asleep[me]

    def sleepers(self) -> list[int]:
        """The deadlines of those waiting on this clock now."""
        return sorted(self._asleep.values())

    async def advance(self, nanos: int) -> None:
        async with self._changed:
            self._now += nanos
            self._changed.notify_all()

    async def step(self, nanos: int, sleepers: int = 1, timeout: float = 10.0) -> None:
        """Move on by `nanos`, then wait until `sleepers` schedulers sleep again, each until
        a time still ahead: every tick that came due has been started."""
        await self.advance(nanos)
        await until(
            lambda: len([d for d in self._asleep.values() if d > self._now]) >= sleepers,
            timeout,
        )


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


# The clock every FakeClockCron runs on; a test sets it before the sidecar starts.
CLOCK = FakeClock()


class FakeClockCron(CronInput):
    def __init__(self) -> None:
        super().__init__(CLOCK)


def fake_clock_registry() -> BindingRegistry:
    return BindingRegistry(
        {"bindings.cron": BindingType(input_class=f"{__name__}:FakeClockCron", output_class=None)}
    )

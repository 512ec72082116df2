"""When a cron binding's ticks fire: kit's run loop for one entry, on an injectable clock.

Like kit, the next tick is computed from the time the last one fired, and each tick runs on
its own (a slow app means overlapping deliveries). Unlike kit, at most `limit` ticks are in
flight: a tick that finds them all still waiting on the app waits for one to finish, and the
ticks due meanwhile fold into it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from daprlite.bindings.cron.clock import Clock
from daprlite.bindings.cron.schedule import Schedule
from daprlite.gocompat.gotime import GoTime, Location

log = logging.getLogger("daprlite.bindings.cron")

# fire(now) delivers one tick that fired at `now` (Unix nanoseconds).
Fire = Callable[[int], Coroutine[Any, Any, None]]


class Scheduler:
    def __init__(
        self,
        name: str,
        schedule: Schedule,
        location: Location,
        clock: Clock,
        fire: Fire,
        limit: int = 100,
    ) -> None:
        self._name, self._schedule, self._location = name, schedule, location
        self._clock, self._fire, self._limit = clock, fire, limit
        self._ticks: set[asyncio.Task[None]] = set()
        self._slot_freed = asyncio.Event()
        self.next_at: int | None = None  # Unix nanoseconds of the next tick, None if none
        self.held_back = 0  # times a due tick had to wait for a free slot

    @property
    def in_flight(self) -> int:
        return len(self._ticks)

    def first(self) -> int | None:
        """Where the schedule starts from now: its first tick, or None if it never fires."""
        self.next_at = self._next(self._clock.now())
        return self.next_at

    async def run(self) -> None:
        """Fire ticks until cancelled; call first() before."""
        while self.next_at is not None:
            await self._clock.sleep_until(self.next_at)
            now = self._clock.now()
            if now < self.next_at:
                continue  # woke early (a clock step back, or the periodic look at the clock)
            if len(self._ticks) >= self._limit:
                now = await self._wait_for_slot()
            self._start(now)
            self.next_at = self._next(now)
        log.warning(
            "cron binding %s: the schedule has no time to fire within five years; "
            "no tick will be delivered",
            self._name,
        )

    async def drain(self, grace: float) -> None:
        """Let the ticks in flight finish for up to `grace` seconds, then cancel the rest."""
        if self._ticks:
            _, pending = await asyncio.wait(set(self._ticks), timeout=grace)
            if pending:
                log.warning(
                    "cron binding %s: %d tick(s) still waiting on the app after %.0fs; "
                    "they are cancelled",
                    self._name,
                    len(pending),
                    grace,
                )
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)

    def _next(self, now: int) -> int | None:
        following = self._schedule.next_after(GoTime(now, self._location))
        return None if following is None else following.unix_nanos

    async def _wait_for_slot(self) -> int:
        self.held_back += 1
        log.warning(
            "cron binding %s: %d ticks are still waiting on the app; the next one waits for "
            "one of them to finish, and the ticks due meanwhile are not delivered",
            self._name,
            len(self._ticks),
        )
        while len(self._ticks) >= self._limit:
            self._slot_freed.clear()
            await self._slot_freed.wait()
        return self._clock.now()

    def _start(self, now: int) -> None:
        task = asyncio.create_task(self._fire(now), name=f"cron-{self._name}")
        self._ticks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._ticks.discard(task)
        self._slot_freed.set()
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "cron binding %s: a tick failed unexpectedly",
                self._name,
                exc_info=task.exception(),
            )

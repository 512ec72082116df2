"""bindings.cron (input only): a tick on each firing of `schedule`, delivered with an empty
body and daprd's `timeZone` / `readTimeUTC` metadata.

As daprd: what the app answers does not matter, a tick that fails is not retried (one that
fires while the app is down is lost), and ticks overlap when the app is slower than the
schedule. daprlite logs a failed tick, which daprd does only at debug level.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from daprlite.bindings.cron.clock import Clock, SystemClock
from daprlite.bindings.cron.schedule import EverySchedule, Schedule
from daprlite.bindings.cron.scheduler import Scheduler
from daprlite.bindings.cron.spec import SpecError, parse
from daprlite.bindings.delivery import Deliverer, DeliveryPolicy
from daprlite.bindings.retry import RetryPolicy
from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.gotime import UTC, GoTime, Location
from daprlite.gocompat.zoneload import local_location
from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler
from daprlite.model.observer import NO_OBSERVER, Observer

log = logging.getLogger("daprlite.bindings.cron")

# One attempt per tick, never a retry: the handler's error is dropped in daprd's cron.
_ONCE = DeliveryPolicy(
    retry=RetryPolicy(max_retries=0), retry_enabled=False, noun="cron tick", stream="schedule"
)


class CronInput:
    def __init__(
        self, clock: Clock | None = None, *, max_in_flight: int = 100, stop_grace: float = 5.0
    ) -> None:
        """`max_in_flight`: ticks waiting on the app at once before the next one waits too.
        `stop_grace`: seconds close() lets the ticks in flight finish."""
        self._clock: Clock = clock or SystemClock()
        self._max_in_flight, self._stop_grace = max_in_flight, stop_grace
        self._name = ""
        self._spec = ""
        self._schedule: Schedule | None = None
        self._local: Location = UTC
        self._scheduler: Scheduler | None = None
        self._task: asyncio.Task[None] | None = None
        self._handler: EventHandler | None = None
        self._observer: Observer = NO_OBSERVER
        self._counts = {"delivered": 0, "failed": 0}
        self._last: dict[str, Any] | None = None

    @staticmethod
    def check_metadata(component: Component) -> None:
        _schedule_of(component)

    async def init(self, component: Component) -> None:
        # Zone files are read here: off the event loop.
        self._schedule = await asyncio.to_thread(_schedule_of, component)
        self._local = await asyncio.to_thread(local_location)
        meta = MetadataReader(component)
        spec = meta.text("schedule") or ""
        self._name, self._spec = component.name, spec
        if isinstance(self._schedule, EverySchedule) and self._schedule.delay_nanos <= 0:
            log.warning(
                "cron binding %s: '%s' fires again at once after every tick (daprd accepts "
                "it too); ticks come as fast as the app takes them",
                component.name,
                spec,
            )

    async def start(self, handler: EventHandler, observer: Observer = NO_OBSERVER) -> None:
        assert self._schedule is not None, "start() before a successful init()"
        self._handler, self._observer = handler, observer
        self._scheduler = Scheduler(
            self._name, self._schedule, self._local, self._clock, self._tick, self._max_in_flight
        )
        first = self._scheduler.first()
        if first is not None:
            log.debug("cron binding %s: first tick at %s", self._name, _show(first))
        self._task = asyncio.create_task(self._scheduler.run(), name=f"cron-{self._name}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._scheduler is not None:
            await self._scheduler.drain(self._stop_grace)

    def status(self) -> dict[str, Any]:
        """The schedule, the next tick, how the ticks went and the last one's outcome."""
        scheduler = self._scheduler
        report: dict[str, Any] = {
            "schedule": self._spec,
            "timeZone": self._local.name,
            "nextTick": None,
            "inFlight": 0,
            "ticks": {**self._counts, "heldBack": 0},
        }
        if scheduler is not None:
            report["nextTick"] = None if scheduler.next_at is None else _show(scheduler.next_at)
            report["inFlight"] = scheduler.in_flight
            report["ticks"]["heldBack"] = scheduler.held_back
        if self._last is not None:
            report["lastTick"] = dict(self._last)
        return report

    async def _tick(self, now: int) -> None:
        """Deliver one tick that fired at `now` (Unix nanoseconds), once."""
        read_time = _show(now)
        event = BindingEvent(
            data=b"", metadata={"timeZone": self._local.name, "readTimeUTC": read_time}
        )
        failure: list[str] = []

        async def recorded(tick: BindingEvent) -> None:
            assert self._handler is not None
            try:
                await self._handler(tick)
            except DeliveryError as exc:
                failure.append(str(exc))
                raise

        deliverer = Deliverer(self._name, recorded, _ONCE, self._observer)
        await deliverer.deliver(event, f"{self._name} at {read_time}", {"tick": read_time})
        outcome = "failed" if failure else "delivered"
        self._counts[outcome] += 1
        self._last = {"at": read_time, "outcome": outcome}
        if failure:
            self._last["error"] = failure[-1]


def _show(unix_nanos: int) -> str:
    """Go's time.Time.String() in UTC, the form of daprd's `readTimeUTC`."""
    return GoTime(unix_nanos, UTC).string()


def _schedule_of(component: Component) -> Schedule:
    """The component's parsed `schedule`, or MetadataError with daprd's reason."""
    meta = MetadataReader(component)
    spec = meta.text("schedule")
    if not spec:
        raise meta.error("schedule", 'is missing or empty (daprd: "schedule not set")')
    try:
        return parse(spec)
    except SpecError as exc:
        raise meta.error(
            "schedule", f"is not a valid schedule: invalid schedule format '{spec}': {exc}"
        ) from None

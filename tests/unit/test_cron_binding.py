"""The cron binding on a fake clock: init errors, what each tick carries, failures, overlaps,
the in-flight limit, status and close. Replays components-contrib's bindings/cron/cron_test.go
(TestCronRead, TestCronReadWithContextCancellation) and the certification trigger matrix.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from daprlite.bindings.cron.binding import CronInput
from daprlite.bindings.cron.clock import SystemClock
from daprlite.gocompat.zoneload import local_location
from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, InvokeRequest
from daprlite.model.errors import MetadataError
from tests.unit.cron_clock import SECOND, START, FakeClock, until


def component(schedule: str | None, key: str = "schedule", name: str = "cron") -> Component:
    metadata = {} if schedule is None else {key: schedule}
    return Component(
        name=name,
        type="bindings.cron",
        version="v1",
        metadata=metadata,
        file=Path("components/cron.yaml"),
        line=1,
        metadata_lines={key: 9} if schedule is not None else {},
    )


class Recorder:
    """A handler that records each tick; `fail` makes it refuse, `gate` holds it."""

    def __init__(self) -> None:
        self.events: list[BindingEvent] = []
        self.calls = 0
        self.fail = False
        self.gate: asyncio.Event | None = None

    async def __call__(self, event: BindingEvent) -> None:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise DeliveryError(
                "fails to send binding event to http app channel, status code: 500 body: "
            )
        self.events.append(event)


class CountingObserver:
    def __init__(self) -> None:
        self.delivered: list[tuple[int, str | None]] = []
        self.retries = 0
        self.gave_up: list[str] = []

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        pass

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        self.delivered.append((attempt, error))

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        self.retries += 1

    def input_stalled(self, binding: str, stalled: bool) -> None:
        pass

    def input_gave_up(self, binding: str, outcome: str) -> None:
        self.gave_up.append(outcome)


async def started(
    schedule: str, clock: FakeClock, handler: Recorder, **options: object
) -> CronInput:
    binding = CronInput(clock, **options)
    await binding.init(component(schedule))
    await binding.start(handler)
    await until(lambda: bool(clock.sleepers()))
    return binding


# --- init -----------------------------------------------------------------------------------


async def test_a_missing_schedule_names_the_file_and_daprds_words() -> None:
    with pytest.raises(MetadataError) as refused:
        await CronInput().init(component(None))
    assert str(refused.value) == (
        "components/cron.yaml:1: component cron: metadata field 'schedule' is missing or empty "
        '(daprd: "schedule not set")'
    )


async def test_an_empty_schedule_is_not_set() -> None:
    with pytest.raises(MetadataError, match="schedule not set"):
        await CronInput().init(component(""))


async def test_a_bad_schedule_names_its_line_and_daprds_reason() -> None:
    with pytest.raises(MetadataError) as refused:
        await CronInput().init(component("*/5 * * *"))
    assert str(refused.value) == (
        "components/cron.yaml:9: component cron: metadata field 'schedule' is not a valid "
        "schedule: invalid schedule format '*/5 * * *': expected 5 to 6 fields, found 4: "
        "[*/5 * * *]"
    )


async def test_the_key_is_read_case_insensitively() -> None:
    binding = CronInput(FakeClock())
    await binding.init(component("@every 1s", key="Schedule"))
    assert binding.status()["schedule"] == "@every 1s"


async def test_an_every_without_delay_is_accepted_with_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, "daprlite.bindings.cron"):
        await CronInput(FakeClock()).init(component("@every 0s"))
    assert "fires again at once after every tick" in caplog.text


# --- ticks ----------------------------------------------------------------------------------


async def test_each_tick_has_an_empty_body_and_daprds_metadata() -> None:
    """cron_test.go TestCronRead: @every 1s on a fake clock, five steps of a second."""
    clock, handler = FakeClock(), Recorder()
    binding = await started("@every 1s", clock, handler)
    try:
        for _ in range(5):
            await clock.step(SECOND)
        await until(lambda: len(handler.events) == 5)
    finally:
        await binding.close()
    local = local_location().name
    assert [e.data for e in handler.events] == [b""] * 5
    assert [dict(e.metadata) for e in handler.events] == [
        {"timeZone": local, "readTimeUTC": f"2022-01-01 00:00:0{n} +0000 UTC"} for n in range(1, 6)
    ]


async def test_read_time_keeps_the_nanoseconds_and_drops_trailing_zeros() -> None:
    clock, handler = FakeClock(START + 250_000_000), Recorder()
    binding = await started("@every 1s", clock, handler)
    try:
        await clock.step(SECOND)
        await until(lambda: len(handler.events) == 1)
    finally:
        await binding.close()
    assert handler.events[0].metadata["readTimeUTC"] == "2022-01-01 00:00:01.25 +0000 UTC"


async def test_no_tick_after_close() -> None:
    """cron_test.go TestCronReadWithContextCancellation: five ticks, stop, no more."""
    clock, handler = FakeClock(), Recorder()
    binding = await started("@every 1s", clock, handler)
    for _ in range(5):
        await clock.step(SECOND)
    await until(lambda: len(handler.events) == 5)
    await binding.close()
    for _ in range(5):
        await clock.advance(SECOND)
        await asyncio.sleep(0.01)
    assert handler.calls == 5
    assert clock.sleepers() == []


# The certification suite's trigger matrix (cron_test.go TestCronBindingTrigger): schedule,
# clock step, fake time run, ticks expected.
TRIGGERS = [
    ("@every 1s", SECOND // 5, 10 * SECOND, 10),
    ("*/3 * * * * *", SECOND, 30 * SECOND, 10),
    ("*/15 * * * *", 30 * SECOND, 3 * 3600 * SECOND, 12),
    ("0 0 */6 ? * *", 60 * SECOND, 3 * 86400 * SECOND, 12),
]


@pytest.mark.parametrize(("schedule", "step", "length", "expected"), TRIGGERS)
async def test_trigger_counts_of_the_certification_suite(
    schedule: str, step: int, length: int, expected: int
) -> None:
    clock, handler = FakeClock(), Recorder()
    binding = await started(schedule, clock, handler)
    try:
        end = clock.now() + length
        while clock.now() <= end:  # the Go test counts the end itself too
            await clock.step(step)
        await until(lambda: binding.status()["inFlight"] == 0)
    finally:
        await binding.close()
    assert len(handler.events) == expected


async def test_a_late_wakeup_schedules_from_when_the_tick_fired() -> None:
    """As kit: the next time is computed from the firing time, so @every drifts with it while
    a crontab line keeps to its grid."""
    every, grid = FakeClock(), FakeClock()
    every_ticks, grid_ticks = Recorder(), Recorder()
    first = await started("@every 1s", every, every_ticks)
    second = await started("* * * * * *", grid, grid_ticks)
    try:
        for clock in (every, grid):
            await clock.step(SECOND * 3 // 2)
        assert (every.sleepers(), grid.sleepers()) == (
            [START + 5 * SECOND // 2],
            [START + 2 * SECOND],
        )
    finally:
        await first.close()
        await second.close()


async def test_an_early_wakeup_fires_nothing() -> None:
    class EarlyClock(FakeClock):
        async def sleep_until(self, deadline: int) -> None:
            await asyncio.sleep(0)  # back at once, as after a clock step backwards

    clock, handler = EarlyClock(), Recorder()
    binding = CronInput(clock)
    await binding.init(component("@every 1s"))
    await binding.start(handler)
    for _ in range(20):
        await asyncio.sleep(0)
    assert handler.calls == 0
    await clock.advance(SECOND)
    await until(lambda: handler.calls == 1)
    await binding.close()


async def test_a_schedule_that_never_fires_says_so(caplog) -> None:
    clock, handler = FakeClock(), Recorder()
    binding = CronInput(clock)
    await binding.init(component("0 0 0 30 Feb ?"))
    with caplog.at_level(logging.WARNING, "daprlite.bindings.cron"):
        await binding.start(handler)
        await until(lambda: "no tick will be delivered" in caplog.text)
    assert binding.status()["nextTick"] is None
    await binding.close()


# --- failures, overlaps and the in-flight limit ---------------------------------------------


async def test_a_failed_tick_is_not_retried_and_the_next_one_comes() -> None:
    clock, handler, observer = FakeClock(), Recorder(), CountingObserver()
    binding = CronInput(clock)
    await binding.init(component("@every 1s"))
    await binding.start(handler, observer)
    try:
        handler.fail = True
        await clock.step(SECOND)
        await until(lambda: binding.status()["ticks"]["failed"] == 1)
        handler.fail = False
        await clock.step(SECOND)
        await until(lambda: len(handler.events) == 1)
        await until(lambda: binding.status()["inFlight"] == 0)
    finally:
        await binding.close()
    assert handler.calls == 2  # one attempt per tick, never a second one
    assert observer.retries == 0
    assert observer.gave_up == ["skipped"]
    assert observer.delivered[0][1] is not None and observer.delivered[1] == (1, None)
    status = binding.status()
    assert status["ticks"] == {"delivered": 1, "failed": 1, "heldBack": 0}
    assert status["lastTick"] == {"at": "2022-01-01 00:00:02 +0000 UTC", "outcome": "delivered"}


async def test_the_last_failure_is_reported_with_its_error() -> None:
    clock, handler = FakeClock(), Recorder()
    binding = await started("@every 1s", clock, handler)
    handler.fail = True
    try:
        await clock.step(SECOND)
        await until(lambda: binding.status()["ticks"]["failed"] == 1)
    finally:
        await binding.close()
    assert binding.status()["lastTick"] == {
        "at": "2022-01-01 00:00:01 +0000 UTC",
        "outcome": "failed",
        "error": "fails to send binding event to http app channel, status code: 500 body: ",
    }


async def test_ticks_overlap_when_the_app_is_slower_than_the_schedule() -> None:
    clock, handler = FakeClock(), Recorder()
    handler.gate = asyncio.Event()
    binding = await started("@every 1s", clock, handler)
    try:
        for _ in range(3):
            await clock.step(SECOND)
        await until(lambda: handler.calls == 3)
        assert binding.status()["inFlight"] == 3
        handler.gate.set()
        await until(lambda: binding.status()["inFlight"] == 0)
    finally:
        await binding.close()
    assert len(handler.events) == 3


async def test_past_the_limit_a_tick_waits_and_those_due_meanwhile_fold_into_it(caplog) -> None:
    clock, handler = FakeClock(), Recorder()
    handler.gate = asyncio.Event()
    binding = await started("@every 1s", clock, handler, max_in_flight=2)
    try:
        await clock.step(SECOND)
        await clock.step(SECOND)
        await until(lambda: handler.calls == 2)
        with caplog.at_level(logging.WARNING, "daprlite.bindings.cron"):
            for _ in range(5):  # five more ticks come due while two wait on the app
                await clock.advance(SECOND)
                await asyncio.sleep(0.01)
        assert handler.calls == 2
        assert binding.status()["ticks"]["heldBack"] == 1
        assert "2 ticks are still waiting on the app" in caplog.text
        handler.gate.set()
        await until(lambda: handler.calls == 3)  # the one that waited, at the time it went
        await until(lambda: binding.status()["inFlight"] == 0)
    finally:
        await binding.close()
    assert handler.events[-1].metadata["readTimeUTC"] == "2022-01-01 00:00:07 +0000 UTC"
    assert binding.status()["nextTick"] == "2022-01-01 00:00:08 +0000 UTC"


async def test_close_lets_a_tick_in_flight_finish() -> None:
    clock, handler = FakeClock(), Recorder()
    handler.gate = asyncio.Event()
    binding = await started("@every 1s", clock, handler)
    await clock.step(SECOND)
    await until(lambda: handler.calls == 1)
    closing = asyncio.create_task(binding.close())
    await asyncio.sleep(0.05)
    assert not closing.done()
    handler.gate.set()
    await asyncio.wait_for(closing, 5)
    assert len(handler.events) == 1


async def test_close_gives_up_on_a_tick_after_the_grace(caplog) -> None:
    clock, handler = FakeClock(), Recorder()
    handler.gate = asyncio.Event()  # never set: the app never answers
    binding = await started("@every 1s", clock, handler, stop_grace=0.05)
    await clock.step(SECOND)
    await until(lambda: handler.calls == 1)
    with caplog.at_level(logging.WARNING, "daprlite.bindings.cron"):
        await asyncio.wait_for(binding.close(), 5)
    assert "1 tick(s) still waiting on the app" in caplog.text
    assert handler.events == []


# --- status ---------------------------------------------------------------------------------


async def test_status_before_and_after_ticks() -> None:
    clock, handler = FakeClock(), Recorder()
    binding = CronInput(clock)
    await binding.init(component("*/3 * * * * *"))
    local = local_location().name
    assert binding.status() == {
        "schedule": "*/3 * * * * *",
        "timeZone": local,
        "nextTick": None,
        "inFlight": 0,
        "ticks": {"delivered": 0, "failed": 0, "heldBack": 0},
    }
    await binding.start(handler)
    try:
        await until(lambda: bool(clock.sleepers()))
        assert binding.status()["nextTick"] == "2022-01-01 00:00:03 +0000 UTC"
        await clock.step(3 * SECOND)
        await until(lambda: binding.status()["ticks"]["delivered"] == 1)
        assert binding.status() == {
            "schedule": "*/3 * * * * *",
            "timeZone": local,
            "nextTick": "2022-01-01 00:00:06 +0000 UTC",
            "inFlight": 0,
            "ticks": {"delivered": 1, "failed": 0, "heldBack": 0},
            "lastTick": {"at": "2022-01-01 00:00:03 +0000 UTC", "outcome": "delivered"},
        }
    finally:
        await binding.close()


# --- the system clock -----------------------------------------------------------------------


async def test_the_system_clock_looks_at_the_wall_clock_at_least_every_30s(monkeypatch) -> None:
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr("daprlite.bindings.cron.clock.asyncio.sleep", sleep)
    clock = SystemClock()
    await clock.sleep_until(clock.now() + 3600 * SECOND)
    await clock.sleep_until(clock.now() - SECOND)
    assert asked[0] == 30.0 and asked[1] == 0.0

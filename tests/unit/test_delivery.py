"""bindings/delivery: the retry / dead-letter / skip table every input binding shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from daprlite.bindings.delivery import Deliverer, DeliveryPolicy, Parking
from daprlite.bindings.retry import RetryPolicy
from daprlite.model.contracts import BindingEvent, DeliveryError, InvokeRequest

EVENT = BindingEvent(b'{"orderId":1}', {"__offset": "7"})
QUICK = RetryPolicy(duration=0.001, max_retries=2)


@dataclass
class FlakyApp:
    """Refuses the first `failures` deliveries, then accepts."""

    failures: int
    calls: int = 0

    async def __call__(self, event: BindingEvent) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError(f"status code: 500 (call {self.calls})")


@dataclass
class Recorder:
    """An Observer that writes down what it is told."""

    events: list[tuple[Any, ...]] = field(default_factory=list)

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        self.events.append(("output", binding, request.operation, error))

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        assert seconds >= 0
        self.events.append(("delivered", binding, attempt, error is None))

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        self.events.append(("retry", binding, attempt))

    def input_stalled(self, binding: str, stalled: bool) -> None:
        self.events.append(("stalled", binding, stalled))

    def input_gave_up(self, binding: str, outcome: str) -> None:
        self.events.append(("gave_up", binding, outcome))


@dataclass
class DeadLetters:
    parked: list[tuple[str, int]] = field(default_factory=list)
    refusals: int = 0

    async def park(self, error: str, attempts: int) -> None:
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError("dead-letter topic unreachable")
        self.parked.append((error, attempts))


async def deliver(
    app: FlakyApp,
    policy: DeliveryPolicy,
    parking: Parking | None = None,
    observer: Recorder | None = None,
) -> bool:
    deliverer = Deliverer("orders", app, policy, observer or Recorder())
    done = await deliverer.deliver(EVENT, "orders/0/7", {"offset": 7}, parking)
    assert deliverer.stall is None  # a finished delivery holds nothing up
    return done


async def test_an_accepted_event_is_done_with_at_once() -> None:
    observer = Recorder()
    assert await deliver(FlakyApp(0), DeliveryPolicy(QUICK), observer=observer)
    assert observer.events == [("delivered", "orders", 1, True)]


async def test_by_default_retries_outlast_the_policy_so_nothing_is_lost() -> None:
    # retry_enabled not written, no parking: keep trying past backOffMaxRetries.
    app = FlakyApp(5)
    assert await deliver(app, DeliveryPolicy(QUICK))
    assert app.calls == 6


async def test_retry_enabled_gives_up_after_the_policy_and_skips() -> None:
    app, observer = FlakyApp(100), Recorder()
    assert not await deliver(app, DeliveryPolicy(QUICK, retry_enabled=True), observer=observer)
    assert app.calls == 3  # the first try and two retries
    assert observer.events == [
        ("delivered", "orders", 1, False),
        ("stalled", "orders", True),
        ("retry", "orders", 1),
        ("delivered", "orders", 2, False),
        ("retry", "orders", 2),
        ("delivered", "orders", 3, False),
        ("gave_up", "orders", "skipped"),
        ("stalled", "orders", False),
    ]


async def test_retry_disabled_skips_at_once(caplog: pytest.LogCaptureFixture) -> None:
    app, observer = FlakyApp(100), Recorder()
    policy = DeliveryPolicy(QUICK, retry_enabled=False, noun="Kafka message")
    assert not await deliver(app, policy, observer=observer)
    assert app.calls == 1
    # Never meant to be retried: no stall, and daprd's line for it (not "too many attempts").
    assert observer.events == [("delivered", "orders", 1, False), ("gave_up", "orders", "skipped")]
    assert caplog.messages == [
        "Error processing Kafka message: orders/0/7. Error: status code: 500 (call 1)."
    ]


@pytest.mark.parametrize("retry_enabled", [None, True])
async def test_with_a_parking_place_spent_retries_park_the_event(
    retry_enabled: bool | None,
) -> None:
    app, letters, observer = FlakyApp(100), DeadLetters(), Recorder()
    parking = Parking(letters.park, "dead-letter topic orders-dlq")
    policy = DeliveryPolicy(QUICK, retry_enabled=retry_enabled)
    assert await deliver(app, policy, parking, observer)
    assert letters.parked == [("status code: 500 (call 3)", 3)]
    assert ("gave_up", "orders", "dead_lettered") in observer.events
    assert [e[2] for e in observer.events if e[0] == "retry"] == [1, 2]


async def test_retry_disabled_with_a_parking_place_parks_at_once() -> None:
    letters = DeadLetters()
    parking = Parking(letters.park, "dead-letter topic orders-dlq")
    assert await deliver(FlakyApp(100), DeliveryPolicy(QUICK, retry_enabled=False), parking)
    assert letters.parked == [("status code: 500 (call 1)", 1)]


async def test_parking_is_retried_until_it_works() -> None:
    letters = DeadLetters(refusals=2)
    parking = Parking(letters.park, "dead-letter topic orders-dlq")
    assert await deliver(FlakyApp(100), DeliveryPolicy(QUICK, retry_enabled=False), parking)
    assert len(letters.parked) == 1


async def test_a_stall_is_visible_while_it_lasts() -> None:
    seen: list[dict[str, Any]] = []
    deliverer: Deliverer

    async def app(event: BindingEvent) -> None:
        if deliverer.stall is not None:
            seen.append(deliverer.stall.describe())
        if len(seen) < 2:
            raise DeliveryError("status code: 503")

    deliverer = Deliverer("orders", app, DeliveryPolicy(QUICK))
    assert await deliverer.deliver(EVENT, "orders/0/7", {"offset": 7})
    assert [s["attempts"] for s in seen] == [1, 2]
    assert seen[0]["offset"] == 7 and seen[0]["lastError"] == "status code: 503"

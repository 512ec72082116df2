"""resiliency/breaker: gobreaker v0.5.0's state machine, driven by a fake clock."""

from __future__ import annotations

import pytest

from daprlite.model.resiliency import BreakerSpec
from daprlite.resiliency.breaker import Breaker, BreakerOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(breaker: Breaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.after(breaker.before(), success=False)


def succeed(breaker: Breaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.after(breaker.before(), success=True)


def test_default_trip_is_more_than_five_consecutive_failures() -> None:
    breaker = Breaker("cb-orders", BreakerSpec(), Clock())
    fail(breaker, 5)
    assert breaker.state == "closed"
    fail(breaker)
    assert breaker.state == "open"


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = Breaker("cb", BreakerSpec(trip="consecutiveFailures >= 3"), Clock())
    fail(breaker, 2)
    succeed(breaker)
    fail(breaker, 2)
    assert breaker.state == "closed"
    fail(breaker)
    assert breaker.state == "open"


def test_open_refuses_until_the_timeout_then_half_open_lets_max_requests_through() -> None:
    clock = Clock()
    spec = BreakerSpec(max_requests=2, timeout=30.0, trip="consecutiveFailures >= 1")
    breaker = Breaker("cb", spec, clock)
    fail(breaker)
    with pytest.raises(BreakerOpenError, match="circuit breaker is open"):
        breaker.before()
    clock.now += 30.0
    assert breaker.state == "open"  # gobreaker: open until the expiry is strictly past
    clock.now += 0.001
    assert breaker.state == "half-open"
    first, second = breaker.before(), breaker.before()
    with pytest.raises(BreakerOpenError, match="too many requests"):
        breaker.before()
    breaker.after(first, success=True)
    assert breaker.state == "half-open"
    breaker.after(second, success=True)
    assert breaker.state == "closed"


def test_a_failure_while_half_open_opens_it_again() -> None:
    clock = Clock()
    breaker = Breaker("cb", BreakerSpec(timeout=5.0, trip="consecutiveFailures > 0"), clock)
    fail(breaker)
    clock.now += 6
    fail(breaker)
    assert breaker.state == "open"
    clock.now += 4
    assert breaker.state == "open"  # a fresh timeout from the second opening


def test_without_a_timeout_it_stays_open_sixty_seconds() -> None:
    clock = Clock()
    breaker = Breaker("cb", BreakerSpec(trip="consecutiveFailures > 0"), clock)
    fail(breaker)
    clock.now += 59.9
    assert breaker.state == "open"
    clock.now += 0.2
    assert breaker.state == "half-open"


def test_the_interval_clears_the_counts_while_closed() -> None:
    clock = Clock()
    breaker = Breaker("cb", BreakerSpec(interval=10.0, trip="totalFailures >= 3"), clock)
    fail(breaker, 2)
    clock.now += 10.5
    fail(breaker, 2)
    assert breaker.state == "closed"
    fail(breaker)
    assert breaker.state == "open"


def test_a_call_from_an_older_generation_changes_nothing() -> None:
    clock = Clock()
    breaker = Breaker("cb", BreakerSpec(timeout=1.0, trip="consecutiveFailures > 1"), clock)
    slow = breaker.before()  # still running while the breaker opens and half-opens
    fail(breaker, 2)
    clock.now += 2
    assert breaker.state == "half-open"
    breaker.after(slow, success=True)
    assert breaker.state == "half-open"


def test_a_trip_that_errs_never_opens() -> None:
    breaker = Breaker("cb", BreakerSpec(trip="totalFailures / totalSuccesses > 1"), Clock())
    fail(breaker, 20)  # totalSuccesses is 0: division by zero every time
    assert breaker.state == "closed"


def test_a_trip_over_the_request_count() -> None:
    breaker = Breaker(
        "cb", BreakerSpec(trip="requests >= 4 && totalFailures * 2 >= requests"), Clock()
    )
    succeed(breaker, 2)
    fail(breaker)
    assert breaker.state == "closed"  # 3 requests
    fail(breaker)
    assert breaker.state == "open"  # 4 requests, 2 failures

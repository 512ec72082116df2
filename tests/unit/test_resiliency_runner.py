"""resiliency/runner and provider: daprd's policy order, retries, matching, timeouts, breakers,
default policies and the metric events, with fake clocks (no real waiting)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from daprlite.model.resiliency import (
    BreakerSpec,
    ComponentTarget,
    PolicyLabels,
    PolicyNames,
    ResiliencyPolicies,
    ResiliencySource,
    RetrySpec,
)
from daprlite.resiliency.backoff import Backoff
from daprlite.resiliency.breaker import BreakerOpenError
from daprlite.resiliency.provider import Resiliency
from daprlite.resiliency.runner import Clocks, PolicyTimeoutError, StatusError


@dataclass
class Recorded:
    events: list[tuple[str, ...]] = field(default_factory=list)

    def resiliency_loaded(self, name: str, namespace: str) -> None:
        self.events.append(("loaded", name, namespace))

    def resiliency_executed(self, labels: PolicyLabels, status: str) -> None:
        self.events.append(("executed", labels.policy, labels.direction, labels.target, status))

    def resiliency_activated(self, labels: PolicyLabels, status: str) -> None:
        self.events.append(("activated", labels.policy, labels.direction, labels.target, status))

    def of(self, kind: str) -> list[tuple[str, ...]]:
        return [e for e in self.events if e[0] == kind]


@dataclass
class FakeTime:
    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clocks(self) -> Clocks:
        return Clocks(self.clock, self.sleep, lambda: 0.5)


@dataclass
class Flaky:
    """Fails the first `failures` calls with `error`, then answers "ok"."""

    failures: int
    error: Exception = field(default_factory=lambda: RuntimeError("broker down"))
    calls: int = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def policies(
    outbound: PolicyNames = PolicyNames(),
    inbound: PolicyNames = PolicyNames(),
    *,
    timeouts: dict[str, float] | None = None,
    retries: dict[str, RetrySpec] | None = None,
    breakers: dict[str, BreakerSpec] | None = None,
    component: str = "orders",
) -> ResiliencyPolicies:
    source = ResiliencySource("myresiliency", "prod", Path("resiliency.yaml"), 1)
    return ResiliencyPolicies(
        (source,),
        timeouts or {},
        retries or {},
        breakers or {},
        {component: ComponentTarget(inbound, outbound)},
    )


def make(spec: ResiliencyPolicies, time: FakeTime | None = None) -> tuple[Resiliency, Recorded]:
    recorded = Recorded()
    return Resiliency(spec, recorded, (time or FakeTime()).clocks()), recorded


def test_no_policy_means_no_runner() -> None:
    resiliency, recorded = make(policies())
    assert resiliency.outbound("orders") is None
    assert resiliency.inbound("orders") is None
    assert resiliency.outbound("other") is None
    assert recorded.of("loaded") == [("loaded", "myresiliency", "prod")]


async def test_constant_retries_then_success() -> None:
    time = FakeTime()
    spec = policies(PolicyNames(retry="r"), retries={"r": RetrySpec(duration=2.0, max_retries=3)})
    resiliency, recorded = make(spec, time)
    runner = resiliency.outbound("orders")
    assert runner is not None
    operation = Flaky(2)
    assert await runner.run(operation) == "ok"
    assert operation.calls == 3
    assert time.slept == [2.0, 2.0]
    assert recorded.of("executed") == [("executed", "retry", "outbound", "Binding_orders", "")]
    # dapr/kit tells of the first retry only: one activation per call.
    assert recorded.of("activated") == [("activated", "retry", "outbound", "Binding_orders", "")]


async def test_retries_exhausted_raise_the_last_error() -> None:
    spec = policies(PolicyNames(retry="r"), retries={"r": RetrySpec(duration=1.0, max_retries=2)})
    resiliency, _ = make(spec)
    runner = resiliency.outbound("orders")
    assert runner is not None
    operation = Flaky(10)
    with pytest.raises(RuntimeError, match="broker down"):
        await runner.run(operation)
    assert operation.calls == 3  # the first attempt and two retries


async def test_max_retries_zero_is_one_attempt() -> None:
    spec = policies(PolicyNames(retry="r"), retries={"r": RetrySpec(max_retries=0)})
    resiliency, _ = make(spec)
    runner = resiliency.outbound("orders")
    assert runner is not None and not runner.has_retries
    operation = Flaky(1)
    with pytest.raises(RuntimeError):
        await runner.run(operation)
    assert operation.calls == 1


def test_exponential_backoff_grows_to_max_interval_and_stops_after_max_elapsed() -> None:
    time = FakeTime()
    spec = RetrySpec(policy="exponential", max_interval=1.0, max_elapsed_time=4.0)
    backoff = Backoff(spec, time.clock, lambda: 0.5)  # the middle of the jitter: no change
    delays = []
    while (delay := backoff.next()) is not None:
        delays.append(delay)
        time.now += delay
    assert delays == pytest.approx([0.5, 0.75, 1.0, 1.0])  # 0.5 * 1.5 ... capped at 1s
    assert time.now == pytest.approx(3.25)  # one more second would pass the 4s limit


def test_exponential_jitter_spans_half_to_one_and_a_half_times() -> None:
    spec = RetrySpec(policy="exponential")
    low = Backoff(spec, lambda: 0.0, lambda: 0.0).next()
    high = Backoff(spec, lambda: 0.0, lambda: 0.999999).next()
    assert low == pytest.approx(0.25)
    assert high == pytest.approx(0.75, abs=1e-5)


@pytest.mark.parametrize(
    ("http_codes", "status", "retried"),
    [
        (None, 500, True),
        (((500, 500), (502, 504)), 503, True),
        (((500, 500), (502, 504)), 501, False),
        (((500, 599),), 404, False),
    ],
)
async def test_matching_limits_which_status_codes_are_retried(
    http_codes: tuple[tuple[int, int], ...] | None, status: int, retried: bool
) -> None:
    retry = RetrySpec(duration=0.0, max_retries=3, http_codes=http_codes)
    resiliency, _ = make(policies(inbound=PolicyNames(retry="r"), retries={"r": retry}))
    runner = resiliency.inbound("orders")
    assert runner is not None
    operation = Flaky(10, StatusError(status, f"status {status}"))
    with pytest.raises(StatusError):
        await runner.run(operation)
    assert operation.calls == (4 if retried else 1)


async def test_grpc_codes_are_matched_by_their_own_list() -> None:
    retry = RetrySpec(duration=0.0, max_retries=2, grpc_codes=((14, 14),))
    resiliency, _ = make(policies(inbound=PolicyNames(retry="r"), retries={"r": retry}))
    runner = resiliency.inbound("orders")
    assert runner is not None
    unavailable, internal = (
        Flaky(10, StatusError(14, "unavailable")),
        Flaky(10, StatusError(13, "x")),
    )
    for operation in (unavailable, internal):
        with pytest.raises(StatusError):
            await runner.run(operation)
    assert (unavailable.calls, internal.calls) == (3, 1)


async def test_the_timeout_cancels_each_attempt_and_counts_once_per_call() -> None:
    cancelled = []

    async def hangs() -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return "never"

    spec = policies(
        PolicyNames(timeout="t", retry="r"),
        timeouts={"t": 0.01},
        retries={"r": RetrySpec(duration=0.0, max_retries=2)},
    )
    resiliency, recorded = make(spec)
    runner = resiliency.outbound("orders")
    assert runner is not None
    with pytest.raises(PolicyTimeoutError, match="context deadline exceeded"):
        await runner.run(hangs)
    assert len(cancelled) == 3  # each attempt was cancelled, not left running
    timeouts = [e for e in recorded.of("activated") if e[1] == "timeout"]
    assert timeouts == [("activated", "timeout", "outbound", "Binding_orders", "")]


async def test_the_operations_own_timeout_error_is_not_the_policys() -> None:
    async def own_timeout() -> str:
        raise TimeoutError("read timed out")

    resiliency, _ = make(policies(PolicyNames(timeout="t"), timeouts={"t": 5.0}))
    runner = resiliency.outbound("orders")
    assert runner is not None
    with pytest.raises(TimeoutError, match="read timed out"):
        await runner.run(own_timeout)


async def test_an_open_breaker_is_not_retried_and_its_changes_are_counted() -> None:
    time = FakeTime()
    spec = policies(
        PolicyNames(retry="r", circuit_breaker="cb"),
        retries={"r": RetrySpec(duration=1.0, max_retries=10)},
        breakers={"cb": BreakerSpec(timeout=30.0, trip="consecutiveFailures >= 2")},
    )
    resiliency, recorded = make(spec, time)
    runner = resiliency.outbound("orders")
    assert runner is not None
    operation = Flaky(100)
    with pytest.raises(BreakerOpenError, match="circuit breaker is open"):
        await runner.run(operation)
    assert operation.calls == 2  # the third attempt met the open breaker: no more retries
    cb = [e for e in recorded.events if e[1] == "circuitbreaker"]
    assert cb == [
        ("executed", "circuitbreaker", "outbound", "Binding_orders", "closed"),
        ("activated", "circuitbreaker", "outbound", "Binding_orders", "open"),
    ]
    time.now += 31  # half-open: one call goes through and closes it
    assert await runner.run(Flaky(0)) == "ok"
    assert recorded.events[-1] == (
        "activated",
        "circuitbreaker",
        "outbound",
        "Binding_orders",
        "closed",
    )
    assert ("executed", "circuitbreaker", "outbound", "Binding_orders", "half-open") in (
        recorded.events
    )


async def test_inbound_and_outbound_share_the_components_one_breaker() -> None:
    spec = policies(
        PolicyNames(circuit_breaker="out"),
        PolicyNames(circuit_breaker="in"),
        breakers={
            "out": BreakerSpec(trip="consecutiveFailures >= 1"),
            "in": BreakerSpec(trip="consecutiveFailures >= 100"),
        },
    )
    resiliency, _ = make(spec)
    outbound, inbound = resiliency.outbound("orders"), resiliency.inbound("orders")
    assert outbound is not None and inbound is not None
    with pytest.raises(RuntimeError):
        await outbound.run(Flaky(1))
    # daprd keeps one breaker per component, from the first template used: "out".
    with pytest.raises(BreakerOpenError):
        await inbound.run(Flaky(0))
    breaker = inbound.breaker()
    assert breaker is not None and breaker.name == "out-orders"


def test_default_policies_apply_to_components_without_a_target_most_specific_first() -> None:
    spec = ResiliencyPolicies(
        (ResiliencySource("r", "", Path("r.yaml"), 1),),
        timeouts={"DefaultTimeoutPolicy": 9.0, "DefaultComponentInboundTimeoutPolicy": 3.0},
        retries={"DefaultBindingComponentOutboundRetryPolicy": RetrySpec(max_retries=1)},
        components={"orders": ComponentTarget(outbound=PolicyNames(timeout="x"))},
    )
    resiliency, _ = make(spec)
    outbound, inbound = resiliency.outbound("other"), resiliency.inbound("other")
    assert outbound is not None and inbound is not None
    assert (outbound.timeout, outbound.retry) == (9.0, RetrySpec(max_retries=1))
    assert (inbound.timeout, inbound.retry) == (3.0, None)
    # A component with a target of its own gets no defaults, even where its target is silent.
    assert resiliency.inbound("orders") is None

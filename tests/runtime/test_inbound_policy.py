"""runtime/app_channel under an inbound resiliency policy, against a real in-test HTTP app:
daprd's rules for which answers are retried and what error the input binding sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError
from daprlite.model.resiliency import (
    BreakerSpec,
    ComponentTarget,
    PolicyNames,
    ResiliencyPolicies,
    RetrySpec,
)
from daprlite.resiliency.provider import Resiliency
from daprlite.runtime.app_channel import HttpAppChannel
from tests.integration.recording_app import RecordingApp

COMPONENT = Component("orders", "bindings.kafka", "v1", {}, Path("orders.yaml"), 1)
EVENT = BindingEvent(b'{"id":1}', {})
QUICK = RetrySpec(duration=0.0, max_retries=2)


def inbound(names: PolicyNames, **kinds: object) -> Resiliency:
    return Resiliency(
        ResiliencyPolicies(
            timeouts=kinds.get("timeouts", {}),  # type: ignore[arg-type]
            retries=kinds.get("retries", {}),  # type: ignore[arg-type]
            circuit_breakers=kinds.get("breakers", {}),  # type: ignore[arg-type]
            components={"orders": ComponentTarget(inbound=names)},
        )
    )


@pytest.fixture
async def app() -> AsyncIterator[RecordingApp]:
    recording = RecordingApp(route="orders")
    await recording.start()
    yield recording
    await recording.stop()


async def deliver(app: RecordingApp, resiliency: Resiliency) -> None:
    channel = HttpAppChannel(app.port)
    try:
        await channel.handler_for(COMPONENT, resiliency.inbound("orders"))(EVENT)
    finally:
        await channel.close()


async def test_with_a_retry_a_201_is_retried_and_ends_as_daprds_nil_response(
    app: RecordingApp,
) -> None:
    app.status_for = lambda _body, _seen: 201
    with pytest.raises(DeliveryError, match=r"^error invoking app: response object is nil$"):
        await deliver(app, inbound(PolicyNames(retry="r"), retries={"r": QUICK}))
    assert app.attempts[EVENT.data] == 3


async def test_without_a_retry_a_201_is_a_success(app: RecordingApp) -> None:
    app.status_for = lambda _body, _seen: 201
    await deliver(app, inbound(PolicyNames(timeout="t"), timeouts={"t": 5.0}))
    assert app.attempts[EVENT.data] == 1


async def test_a_retry_that_recovers_delivers_once_to_the_caller(app: RecordingApp) -> None:
    app.status_for = lambda _body, seen: 503 if seen < 3 else 200
    await deliver(app, inbound(PolicyNames(retry="r"), retries={"r": QUICK}))
    assert (app.attempts[EVENT.data], len(app.accepted)) == (3, 1)


async def test_without_a_retry_the_apps_status_is_the_error(app: RecordingApp) -> None:
    app.status_for = lambda _body, _seen: 500
    breaker = {"cb": BreakerSpec(trip="consecutiveFailures > 10")}
    with pytest.raises(DeliveryError, match="status code: 500"):
        await deliver(app, inbound(PolicyNames(circuit_breaker="cb"), breakers=breaker))


async def test_a_timeout_is_daprds_deadline_error(app: RecordingApp) -> None:
    app.delay = 1.0
    with pytest.raises(DeliveryError, match=r"^error invoking app: context deadline exceeded$"):
        await deliver(app, inbound(PolicyNames(timeout="t"), timeouts={"t": 0.05}))


async def test_an_open_breaker_does_not_call_the_app(app: RecordingApp) -> None:
    app.status_for = lambda _body, _seen: 500
    resiliency = inbound(
        PolicyNames(circuit_breaker="cb"), breakers={"cb": BreakerSpec(trip="totalFailures >= 1")}
    )
    with pytest.raises(DeliveryError, match="status code: 500"):
        await deliver(app, resiliency)
    with pytest.raises(DeliveryError, match=r"^error invoking app: circuit breaker is open$"):
        await deliver(app, resiliency)
    assert app.attempts[EVENT.data] == 1

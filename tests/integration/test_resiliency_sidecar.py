"""Dapr Resiliency through a real sidecar: outbound timeout, retries and a circuit breaker around
bindings.http against a real (slow, flaky, failing) HTTP server; inbound retries around Kafka
deliveries to an app that fails and then succeeds; the dapr_resiliency_* series scraped."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from daprlite.components.resiliency import ResiliencyLoadError
from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.integration.recording_app import RecordingApp
from tests.support.components import write_component
from tests.support.wait import eventually

HTTP_COMPONENT = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: bindings.http
  version: v1
  metadata:
  - {{name: url, value: "{url}"}}
"""

OUTBOUND_RESILIENCY = """apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: outbound-policies
spec:
  policies:
    timeouts:
      short: 300ms
    retries:
      twice:
        policy: constant
        duration: 10ms
        maxRetries: 2
    circuitBreakers:
      fragile:
        maxRequests: 1
        timeout: 1s
        trip: consecutiveFailures >= 2
  targets:
    components:
      slow:
        outbound:
          timeout: short
      flaky:
        outbound:
          retry: twice
      down:
        outbound:
          circuitBreaker: fragile
"""


@dataclass
class Endpoint:
    """A real HTTP server: /slow waits until released, /flaky fails its first two calls, /down
    answers 503 until it is told to recover."""

    released: asyncio.Event = field(default_factory=asyncio.Event)
    calls: dict[str, int] = field(default_factory=dict)
    down: bool = True
    port: int = 0
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.calls[name] = self.calls.get(name, 0) + 1
        if name == "slow":
            await self.released.wait()
        if name == "flaky" and self.calls[name] <= 2:
            return web.Response(status=500, text="not yet")
        if name == "down" and self.down:
            return web.Response(status=503, text="down")
        return web.Response(text=f"{name} ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{name}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    server = Endpoint()
    await server.start()
    yield server
    server.released.set()
    assert server.runner is not None
    await server.runner.cleanup()


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        f.name: [(s.labels, s.value) for s in f.samples]
        for f in text_string_to_metric_families(text)
    }


def value(found: list[tuple[dict[str, str], float]], **labels: str) -> float:
    return sum(v for got, v in found if all(got.get(k) == want for k, want in labels.items()))


SENT: dict[str, int] = {}


async def invoke(session: aiohttp.ClientSession, port: int, name: str) -> tuple[int, str]:
    SENT[name] = SENT.get(name, 0) + 1
    url = f"http://127.0.0.1:{port}/v1.0/bindings/{name}"
    async with session.post(url, json={"operation": "post", "data": {"n": 1}}) as response:
        return response.status, await response.text()


async def test_outbound_timeout_retries_and_circuit_breaker(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    SENT.clear()
    folder = tmp_path / "resources"
    folder.mkdir()
    for name in ("slow", "flaky", "down"):
        url = f"http://127.0.0.1:{endpoint.port}/{name}"
        (folder / f"{name}.yaml").write_text(HTTP_COMPONENT.format(name=name, url=url))
    (folder / "resiliency.yaml").write_text(OUTBOUND_RESILIENCY)
    sidecar = Sidecar(
        RunConfig(app_id="resilient", components_paths=(folder,)), printer=Printer(io.StringIO())
    )
    try:
        await sidecar.startup()
        port = sidecar.http_port
        async with aiohttp.ClientSession() as session:
            # The timeout: daprd's error while the endpoint is still holding the request.
            status, body = await invoke(session, port, "slow")
            assert (status, json.loads(body)) == (
                500,
                {
                    "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
                    "message": "error invoking output binding slow: context deadline exceeded",
                },
            )
            assert not endpoint.released.is_set() and endpoint.calls["slow"] == 1

            # The retries: two failures, then the third call answers.
            status, body = await invoke(session, port, "flaky")
            assert (status, body, endpoint.calls["flaky"]) == (200, "flaky ok", 3)

            # The breaker: two failures open it; then it refuses without calling the endpoint.
            for _ in range(2):
                status, body = await invoke(session, port, "down")
                assert status == 500 and "received status code 503" in body
            status, body = await invoke(session, port, "down")
            assert status == 500
            assert json.loads(body)["message"] == (
                "error invoking output binding down: circuit breaker is open"
            )
            assert endpoint.calls["down"] == 2

            # After its timeout one call goes through (half-open) and, answered, closes it.
            endpoint.down = False

            async def recovered() -> bool:
                status, _ = await invoke(session, port, "down")
                return status == 200

            await eventually(recovered, "the breaker to let a call through again", timeout=10)
            assert endpoint.calls["down"] == 3
            status, _ = await invoke(session, port, "down")  # closed: straight through
            assert status == 200 and endpoint.calls["down"] == 4
        assert sidecar.metrics is not None
        text = sidecar.metrics.render()
    finally:
        await sidecar.shutdown()

    found = families(text)
    common = {"app_id": "resilient", "name": "outbound-policies", "namespace": ""}
    assert value(found["dapr_resiliency_loaded"], **common) == 1
    count = found["dapr_resiliency_count"]
    assert value(count, policy="timeout", target="Binding_slow", flow_direction="outbound") == 1
    assert value(count, policy="retry", target="Binding_flaky", status="", **common) == 1
    # Every call counts, refused or not; the breaker's state at its start is the status.
    assert value(count, policy="circuitbreaker", target="Binding_down") == SENT["down"]
    assert value(count, policy="circuitbreaker", target="Binding_down", status="open") >= 1
    activations = found["dapr_resiliency_activations"]  # the parser drops the _total
    assert value(activations, policy="timeout", target="Binding_slow") == 1
    assert value(activations, policy="retry", target="Binding_flaky") == 1
    assert value(activations, policy="circuitbreaker", status="open") == 1
    assert value(activations, policy="circuitbreaker", status="closed") == 1
    state = found["dapr_resiliency_cb_state"]
    # Written as each call starts (daprd's rule): the last call found it closed.
    assert value(state, target="Binding_down", status="closed") == 1
    assert value(state, target="Binding_down", status="open") == 0
    assert "# TYPE dapr_resiliency_activations_total counter" in text


async def test_a_bad_resiliency_file_stops_the_start_naming_its_lines(tmp_path: Path) -> None:
    folder = tmp_path / "resources"
    folder.mkdir()
    (folder / "resiliency.yaml").write_text(
        "kind: Resiliency\nspec:\n  policies:\n    timeouts:\n      t: 5x\n"
        "  targets:\n    components:\n      orders:\n        outbound: {retry: none}\n"
    )
    sidecar = Sidecar(
        RunConfig(app_id="bad", components_paths=(folder,)), printer=Printer(io.StringIO())
    )
    try:
        with pytest.raises(ResiliencyLoadError) as caught:
            await sidecar.startup()
    finally:
        await sidecar.shutdown()
    assert [p.line for p in caught.value.problems] == [5, 9]


# The Kafka binding under the inbound policy: read and written, its own retries on too.
KAFKA_RETRIES = {
    "direction": "input, output",
    "consumeRetryEnabled": "true",
    "backOffDuration": "20ms",
    "backOffMaxRetries": "5",
}

INBOUND_RESILIENCY = """apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: inbound-policies
spec:
  policies:
    retries:
      appRetry:
        policy: constant
        duration: 10ms
        maxRetries: {retries}
  targets:
    components:
      orders:
        inbound:
          retry: appRetry
"""


@pytest.mark.kafka
@pytest.mark.parametrize(
    ("app_failures", "retries", "app_calls", "kafka_attempts"),
    [
        # Fails twice, succeeds on the third call: all inside the first Kafka attempt.
        (2, 3, 3, 1),
        # Each Kafka attempt is two app calls (the first and one retry): 5 failures take three
        # Kafka attempts, the last one succeeding on its second app call.
        (5, 1, 6, 3),
    ],
)
async def test_inbound_retries_wrap_each_kafka_attempt(
    kafka_broker, kafka_topic, tmp_path: Path, app_failures, retries, app_calls, kafka_attempts
) -> None:
    topic = kafka_topic()
    folder = write_component(
        tmp_path / "resources", "orders", kafka_broker.bootstrap, topic, **KAFKA_RETRIES
    )
    (folder / "resiliency.yaml").write_text(INBOUND_RESILIENCY.format(retries=retries))
    app = RecordingApp(
        route="orders", status_for=lambda _body, seen: 500 if seen <= app_failures else 200
    )
    await app.start()
    config = RunConfig(
        app_id="inbound", app_port=app.port, components_paths=(folder,), shutdown_grace=2.0
    )
    sidecar = Sidecar(config, printer=Printer(io.StringIO()))
    try:
        await sidecar.startup()
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{sidecar.http_port}/v1.0/bindings/orders"
            async with session.post(url, json={"operation": "create", "data": {"id": 1}}) as r:
                assert r.status == 204
        await app.wait_for(1)
        assert sidecar.metrics is not None
        metrics = sidecar.metrics

        def counted() -> bool:
            found = families(metrics.render())["dapr_component_input_binding_count"]
            return value(found, component="orders", success="true") == 1

        await eventually(counted, "the successful delivery to be counted")
        text = metrics.render()
    finally:
        await sidecar.shutdown()
        await app.stop()

    assert sum(app.attempts.values()) == app_calls
    found = families(text)
    deliveries = found["dapr_component_input_binding_count"]
    # daprd counts one input event per component call, however many app calls it took.
    assert value(deliveries, component="orders", success="false") == kafka_attempts - 1
    kafka_retries = found["daprlite_input_binding_retries"]
    assert value(kafka_retries, component="orders") == kafka_attempts - 1
    count = found["dapr_resiliency_count"]
    assert value(count, policy="retry", flow_direction="inbound", target="Binding_orders") == (
        kafka_attempts
    )
    activations = found["dapr_resiliency_activations"]
    assert value(activations, policy="retry", flow_direction="inbound") == kafka_attempts

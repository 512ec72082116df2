"""components-contrib's conformance and certification cases for bindings.cron, replayed through
daprlite's own sidecar and APIs (catalog §12).

Conformance (tests/conformance/bindings/bindings.go, tests.yml entry `cron: [read]`, component
tests/config/bindings/cron/bindings.yaml): init, ping, read (at least one event within
readBindingTimeout), close; cron is input only, so the output API must refuse it, over HTTP
and over gRPC (the official Python SDK), as daprd does.

Certification (tests/certification/bindings/cron/cron_test.go, components/ and
components_sameroute/ copied below as they are): a sidecar whose cron runs on a fake clock,
a real HTTP app that counts its ticks.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import grpc
import pytest
from dapr.clients import DaprClient
from dapr.conf import settings

from daprlite.bindings.registry import BindingRegistry
from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.integration.cron_app import TickApp, wait_until
from tests.unit import cron_clock
from tests.unit.cron_clock import SECOND, FakeClock, fake_clock_registry

# cc:tests/config/bindings/cron/bindings.yaml
CONFORMANCE_COMPONENT = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron-binding
  namespace: default
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    value: "@every 1s"
"""
READ_BINDING_TIMEOUT = 60.0  # bindings.go's readBindingTimeout default

# cc:tests/certification/bindings/cron/components/*.yaml
CERT_COMPONENTS = {
    "cron15m": '''apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron15m
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test standard crontab format
    value: "*/15 * * * *"''',
    "cron1s": '''
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron1s
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test non-standard macro format
    value: "@every 1s"''',
    "cron3s": '''
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron3s
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test non-standard crontab format
    value: "*/3 * * * * *"''',
    "cron6h": '''apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron6h
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test quartz crontab format
    value: "0 0 */6 ? * *"''',
    "cronMonthly": '''apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cronMonthly
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test standard crontab format
    value: "0 0 1 * *"''',
}

# cc:tests/certification/bindings/cron/components_sameroute/*.yaml
SAME_ROUTE_COMPONENTS = {
    "cron": """
# Testing two cron bindings with different schedule and same route
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test non-standard macro format
    value: "@every 1s"
  - name: route
    value: /cron""",
    "cron3s": """
# Testing two cron bindings with different schedule and same route
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: cron3s
spec:
  type: bindings.cron
  version: v1
  metadata:
  - name: schedule
    # test non-standard crontab format
    value: "*/3 * * * * *"
  - name: route
    value: /cron""",
}


def write_components(folder: Path, files: Mapping[str, str]) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)


@asynccontextmanager
async def sidecar_for(
    folder: Path, files: Mapping[str, str], app_port: int, registry: BindingRegistry | None
) -> AsyncIterator[Sidecar]:
    write_components(folder, files)
    config = RunConfig(app_id="cronapp", app_port=app_port, components_paths=(folder,))
    sidecar = Sidecar(
        config, registry=registry, printer=Printer(io.StringIO()), status=io.StringIO()
    )
    running = asyncio.create_task(sidecar.run())
    try:
        await wait_until(lambda: sidecar.ready.is_set() or running.done(), what="sidecar ready")
        if running.done():
            running.result()
        yield sidecar
    finally:
        sidecar.request_stop()
        assert await asyncio.wait_for(running, 30) == 0  # close: no error


@pytest.fixture
def clock() -> FakeClock:
    cron_clock.CLOCK = FakeClock()
    return cron_clock.CLOCK


async def run_clock(clock: FakeClock, length: int, step: int, sleepers: int = 1) -> None:
    """The certification counterFn: step the clock until it is past `length` from now."""
    end = clock.now() + length
    while not clock.now() > end:
        await clock.step(step, sleepers)


def in_flight(sidecar: Sidecar) -> int:
    return sum(int(status["inFlight"]) for status in sidecar.store.input_status())


# --- conformance ----------------------------------------------------------------------------


async def test_conformance_init_ping_read_close(tmp_path: Path) -> None:
    app = TickApp()
    await app.start()
    try:
        async with sidecar_for(
            tmp_path / "c", {"bindings": CONFORMANCE_COMPONENT}, app.port, None
        ) as sidecar:
            base = f"http://127.0.0.1:{sidecar.http_port}/v1.0"
            async with aiohttp.ClientSession() as client:
                # init: the component is up, as an input binding
                async with client.get(f"{base}/metadata") as response:
                    components = (await response.json())["components"]
                assert components == [
                    {
                        "name": "cron-binding",
                        "type": "bindings.cron",
                        "version": "v1",
                        "capabilities": ["INPUT_BINDING"],
                    }
                ]
                # ping: no sidecar API; the health endpoint stands in for it
                async with client.get(f"{base}/healthz") as response:
                    assert response.status == 204
            # read: the handler is called at least once within readBindingTimeout
            await wait_until(lambda: len(app.posts("/cron-binding")) >= 1, READ_BINDING_TIMEOUT)
    finally:
        await app.stop()


@pytest.fixture
async def conformance_sidecar(tmp_path: Path) -> AsyncIterator[Sidecar]:
    app = TickApp()
    await app.start()
    try:
        async with sidecar_for(
            tmp_path / "c", {"bindings": CONFORMANCE_COMPONENT}, app.port, None
        ) as sidecar:
            yield sidecar
    finally:
        await app.stop()


async def test_the_http_output_api_refuses_an_input_only_binding(
    conformance_sidecar: Sidecar,
) -> None:
    url = f"http://127.0.0.1:{conformance_sidecar.http_port}/v1.0/bindings/cron-binding"
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, json={"operation": "create"}) as response,
    ):
        assert response.status == 500
        assert await response.json() == {
            "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
            "message": "error invoking output binding cron-binding: couldn't find output "
            "binding cron-binding",
        }


async def test_the_grpc_output_api_refuses_an_input_only_binding(
    conformance_sidecar: Sidecar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", conformance_sidecar.http_port)
    monkeypatch.setattr(settings, "DAPR_RUNTIME_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "DAPR_HEALTH_TIMEOUT", 10)

    def invoke() -> Exception:
        with DaprClient(address=f"127.0.0.1:{conformance_sidecar.grpc_port}") as client:
            try:
                client.invoke_binding("cron-binding", "create", b"{}")
            except Exception as exc:  # the SDK raises what grpc raised
                return exc
        raise AssertionError("the call succeeded")

    refused = await asyncio.wait_for(asyncio.to_thread(invoke), 30)
    assert isinstance(refused, grpc.RpcError)
    assert refused.code() == grpc.StatusCode.INTERNAL
    assert refused.details() == (
        "error invoking output binding cron-binding: couldn't find output binding cron-binding"
    )


# --- certification --------------------------------------------------------------------------

# TestCronBindingTrigger: (the one component the app handles, clock step, fake time, ticks)
TRIGGERS = [
    ("cron1s", SECOND // 5, 10 * SECOND, 10),  # macro format
    ("cron3s", SECOND, 30 * SECOND, 10),  # non-standard crontab format, seconds first
    ("cron15m", 30 * SECOND, 3 * 3600 * SECOND, 12),  # standard crontab format
    ("cron6h", 60 * SECOND, 3 * 86400 * SECOND, 12),  # quartz format
]


@pytest.mark.parametrize(("name", "step", "length", "expected"), TRIGGERS)
async def test_certification_trigger(
    tmp_path: Path, clock: FakeClock, name: str, step: int, length: int, expected: int
) -> None:
    app = TickApp(routes={f"/{name}"})
    await app.start()
    try:
        async with sidecar_for(
            tmp_path / "components", CERT_COMPONENTS, app.port, fake_clock_registry()
        ) as sidecar:
            assert len(app.probes()) == 5  # every component asked; only one subscribed
            await run_clock(clock, length, step)
            await wait_until(lambda: in_flight(sidecar) == 0)
    finally:
        await app.stop()
    assert len(app.posts(f"/{name}")) == expected
    assert len(app.posts()) == expected  # the other four never tick


async def test_certification_same_route(tmp_path: Path, clock: FakeClock) -> None:
    """Two crons, @every 1s and every 3s, one route: 15 + 5 ticks in 15 seconds."""
    app = TickApp(routes={"/cron"})
    await app.start()
    try:
        async with sidecar_for(
            tmp_path / "components_sameroute",
            SAME_ROUTE_COMPONENTS,
            app.port,
            fake_clock_registry(),
        ) as sidecar:
            await run_clock(clock, 15 * SECOND, SECOND // 2, sleepers=2)
            await wait_until(lambda: in_flight(sidecar) == 0)
    finally:
        await app.stop()
    assert [p.path for p in app.probes()] == ["/cron", "/cron"]
    assert len(app.posts("/cron")) == 20


async def test_certification_app_restart(tmp_path: Path, clock: FakeClock) -> None:
    """cron3s for 15 s with the app away from 5 s to 10 s: the Go test allows 5 ± 2 ticks.
    daprlite delivers the ticks at 3 s, 12 s and 15 s; those at 6 s and 9 s are lost."""
    app = TickApp(routes={"/cron3s"})
    await app.start()
    try:
        async with sidecar_for(
            tmp_path / "components", CERT_COMPONENTS, app.port, fake_clock_registry()
        ) as sidecar:
            await run_clock(clock, 5 * SECOND, SECOND // 2)
            await app.stop()
            await run_clock(clock, 5 * SECOND, SECOND // 2)
            await wait_until(lambda: in_flight(sidecar) == 0)
            await app.start()
            await run_clock(clock, 5 * SECOND, SECOND // 2)
            await wait_until(lambda: in_flight(sidecar) == 0)
    finally:
        await app.stop()
    delivered = len(app.posts("/cron3s"))
    assert abs(delivered - 5) <= 2
    assert delivered == 3


async def test_certification_sidecar_restart(tmp_path: Path, clock: FakeClock) -> None:
    """cron3s for 15 s with the sidecar away from 5 s to 10 s: 5 ± 2 in the Go test. A new
    sidecar starts the schedule afresh from its clock; nothing is kept across (daprd neither:
    components-contrib#402)."""
    app = TickApp(routes={"/cron3s"})
    await app.start()
    folder = tmp_path / "components"
    try:
        async with sidecar_for(folder, CERT_COMPONENTS, app.port, fake_clock_registry()):
            await run_clock(clock, 5 * SECOND, SECOND // 2)
        end = clock.now() + 5 * SECOND
        while clock.now() <= end:
            await clock.advance(SECOND // 2)  # no sidecar: nobody waits on the clock
        async with sidecar_for(folder, CERT_COMPONENTS, app.port, fake_clock_registry()) as sidecar:
            await run_clock(clock, 5 * SECOND, SECOND // 2)
            await wait_until(lambda: in_flight(sidecar) == 0)
    finally:
        await app.stop()
    times = [p.headers["Readtimeutc"] for p in app.posts("/cron3s")]
    assert abs(len(times) - 5) <= 2
    assert times == [f"2022-01-01 00:00:{s:02d} +0000 UTC" for s in (3, 12, 15)]

"""The sidecar's start-up and shutdown order, with fake bindings and a real app process."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import sys
from pathlib import Path

import aiohttp
import pytest

from daprlite.model.config import RunConfig
from daprlite.model.contracts import BindingEvent
from daprlite.model.tracing import NO_TRACER, TracingSpec
from daprlite.observability.tracing import OtelTracer
from daprlite.process.printer import Printer
from daprlite.runtime import sidecar as sidecar_module
from daprlite.runtime.sidecar import Sidecar
from tests.process.streams import GatedStream
from tests.runtime import fakes
from tests.support.ports import free_port
from tests.support.wait import eventually

# A tiny app: waits a moment before listening (so a racing sidecar would be caught), writes the
# monotonic time (one clock for every process) at which it listens to LISTENING_FILE if set,
# answers OPTIONS with 200 when it subscribes, 404 otherwise, and POSTs with 200.
APP = """
import http.server, os, sys, time
time.sleep(float(os.environ.get("LISTEN_AFTER", "0")))
class H(http.server.BaseHTTPRequestHandler):
    def do_OPTIONS(self):
        self.send_response(200 if os.environ.get("SUBSCRIBE") == "1" else 404); self.end_headers()
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"])); print("got", self.path, flush=True)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
print("app pid", os.getpid(), flush=True)
server = http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), H)
if os.environ.get("LISTENING_FILE"):
    open(os.environ["LISTENING_FILE"], "w").write(repr(time.monotonic()))
server.serve_forever()
"""


@pytest.fixture(autouse=True)
def _fresh_events() -> None:
    fakes.EVENTS.clear()
    fakes.FakeOutput.delay = 0.0
    fakes.FakeInput.handler = None


def make_sidecar(
    tmp_path: Path, command: list[str], app_port: int | None, printer: Printer | None = None
) -> Sidecar:
    folder = tmp_path / "components"
    folder.mkdir(exist_ok=True)
    (folder / "fake.yaml").write_text(fakes.component_yaml())
    config = RunConfig(
        app_id="test-app",
        command=tuple(command),
        app_port=app_port,
        components_paths=(folder,),
        app_startup_timeout=60.0,
        shutdown_grace=2.0,
    )
    printer = printer or Printer(io.StringIO())
    return Sidecar(config, registry=fakes.registry(), printer=printer)


def names() -> list[str]:
    return [event for _, event in fakes.EVENTS]


async def test_inputs_start_only_after_the_app_listens_and_subscribes(tmp_path, monkeypatch):
    listening = tmp_path / "listening"
    monkeypatch.setenv("LISTEN_AFTER", "0.5")
    monkeypatch.setenv("SUBSCRIBE", "1")
    monkeypatch.setenv("LISTENING_FILE", str(listening))
    sidecar = make_sidecar(tmp_path, [sys.executable, "-c", APP], free_port())
    running = asyncio.create_task(sidecar.run())
    try:
        await eventually(sidecar.ready.is_set, "the sidecar to be ready", timeout=60)
        assert names() == ["input init orders", "output init orders", "input start"]
        [input_started] = [at for at, event in fakes.EVENTS if event == "input start"]
        assert float(listening.read_text()) < input_started
        # Delivery reaches the app through the real HTTP channel.
        assert fakes.FakeInput.handler is not None
        await fakes.FakeInput.handler(BindingEvent(b'{"n":1}', {"__topic": "t"}))
    finally:
        sidecar.request_stop()
        await asyncio.wait_for(running, 20)
    assert names().index("input close") < names().index("output close")


async def test_an_app_that_does_not_subscribe_gets_no_input(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSCRIBE", "0")
    sidecar = make_sidecar(tmp_path, [sys.executable, "-c", APP], free_port())
    running = asyncio.create_task(sidecar.run())
    try:
        await eventually(sidecar.ready.is_set, "the sidecar to be ready", timeout=60)
    finally:
        sidecar.request_stop()
        await asyncio.wait_for(running, 20)
    assert "input start" not in names()


async def test_outbound_is_ready_before_the_app_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("LISTEN_AFTER", "30")  # the app never listens during this test
    sidecar = make_sidecar(tmp_path, [sys.executable, "-c", APP], free_port())
    running = asyncio.create_task(sidecar.run())
    try:
        await eventually(
            lambda: sidecar.app is not None and sidecar.app.pid is not None,
            "the app to be started",
            timeout=60,
        )
        base = f"http://127.0.0.1:{sidecar.http_port}/v1.0"
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{base}/healthz/outbound") as outbound:
                assert outbound.status == 204
            async with client.get(f"{base}/healthz") as health:
                assert health.status == 500  # the app's port is not reachable yet
    finally:
        sidecar.request_stop()
        await asyncio.wait_for(running, 20)


async def test_a_request_in_flight_at_shutdown_is_answered(tmp_path):
    fakes.FakeOutput.delay = 1.0
    sidecar = make_sidecar(tmp_path, [], None)
    running = asyncio.create_task(sidecar.run())
    await eventually(lambda: sidecar.readiness.outbound_ready, "outbound ready", timeout=60)
    url = f"http://127.0.0.1:{sidecar.http_port}/v1.0/bindings/orders"
    async with aiohttp.ClientSession() as client:
        posting = asyncio.create_task(client.post(url, json={"operation": "create", "data": 1}))
        await eventually(lambda: "invoke start" in names(), "the invoke to start", timeout=60)
        sidecar.request_stop()
        response = await asyncio.wait_for(posting, 10)
        assert response.status == 204
    assert await asyncio.wait_for(running, 20) == 0
    assert names().index("invoke done") < names().index("output close")


async def test_the_apps_exit_code_becomes_daprlites(tmp_path):
    sidecar = make_sidecar(tmp_path, [sys.executable, "-c", "raise SystemExit(3)"], None)
    assert await asyncio.wait_for(sidecar.run(), 20) == 3


async def test_the_apps_last_lines_are_printed_before_run_returns(tmp_path, monkeypatch):
    # A terminal that reads nothing until the sidecar is stopping: only the drain at shutdown
    # can make the app's lines appear before run() returns.
    out = GatedStream()
    drain = sidecar_module.drain_app_output

    async def open_then_drain() -> bool:
        out.gate.set()
        return await drain()

    monkeypatch.setattr(sidecar_module, "drain_app_output", open_then_drain)
    code = "for i in range(500): print(i)"
    sidecar = make_sidecar(tmp_path, [sys.executable, "-c", code], None, Printer(out))
    assert await asyncio.wait_for(sidecar.run(), 20) == 0
    assert out.getvalue().splitlines() == [f"== APP == {i}" for i in range(500)]


async def test_a_configuration_with_tracing_gives_the_sidecar_daprds_spans(tmp_path, monkeypatch):
    # The Configuration's spec.tracing reaches both paths: the API's span and the delivery's.
    monkeypatch.setenv("SUBSCRIBE", "1")
    sidecar = make_sidecar(tmp_path, [sys.executable, "-c", APP], free_port())
    sidecar = Sidecar(
        dataclasses.replace(sidecar.config, tracing=TracingSpec(sampling_rate=1.0)),
        registry=fakes.registry(),
        printer=Printer(io.StringIO()),
    )
    assert isinstance(sidecar.tracer, OtelTracer)
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    running = asyncio.create_task(sidecar.run())
    try:
        await eventually(sidecar.ready.is_set, "the sidecar to be ready", timeout=60)
        url = f"http://127.0.0.1:{sidecar.http_port}/v1.0/bindings/orders"
        async with aiohttp.ClientSession() as client:
            body = {"operation": "create", "data": 1}
            async with client.post(url, json=body, headers={"traceparent": parent}) as answer:
                assert answer.status == 204
                assert answer.headers["Traceparent"].startswith("00-4bf92f3577b34da6")
        assert fakes.FakeInput.handler is not None
        await fakes.FakeInput.handler(BindingEvent(b"1", {"traceparent": parent}))
    finally:
        sidecar.request_stop()
        await asyncio.wait_for(running, 20)
    spans = sidecar.tracer.recent_spans()
    assert [s["name"] for s in spans] == ["/v1.0/bindings/orders", "bindings/orders"]
    assert {s["parentSpanId"] for s in spans} == {"00f067aa0ba902b7"}


def test_without_tracing_the_sidecar_has_no_tracer(tmp_path):
    sidecar = make_sidecar(tmp_path, ["true"], None)
    assert sidecar.tracer is NO_TRACER
    off = dataclasses.replace(sidecar.config, tracing=TracingSpec(sampling_rate=0.0))
    assert sidecar_module.tracer_for(off) is NO_TRACER

"""bindings.cron through a real sidecar (in process) to real apps: HTTP (probe,
direction, headers, failures, the app going down) and gRPC; /v1.0/metadata; start-up refusals
through `daprlite run`; `daprlite components list|validate`.

The sidecars here run their cron on a fake clock (as the Go certification suite does), so a
test decides when each tick comes; test_real_clock_ticks_reach_the_app is the one on real time.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from daprlite.bindings.registry import BindingRegistry
from daprlite.gocompat.zoneload import local_location
from daprlite.model.config import RunConfig
from daprlite.model.errors import MetadataError
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.e2e.runner import DaprliteRun
from tests.integration.cron_app import GrpcTickApp, TickApp, wait_until
from tests.support.ports import free_port
from tests.unit import cron_clock
from tests.unit.cron_clock import SECOND, FakeClock, fake_clock_registry

GO_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC")


def cron_yaml(name: str, schedule: str, **extra: str) -> str:
    entries = [("schedule", schedule), *extra.items()]
    lines = "".join(f"  - name: {key}\n    value: {value!r}\n" for key, value in entries)
    return (
        "apiVersion: dapr.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\nspec:\n  type: bindings.cron\n  version: v1\n"
        f"  metadata:\n{lines}"
    )


def write_components(folder: Path, files: Mapping[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


@asynccontextmanager
async def sidecar_for(
    tmp_path: Path,
    files: Mapping[str, str],
    app_port: int,
    protocol: str = "http",
    registry: BindingRegistry | None = None,
) -> AsyncIterator[Sidecar]:
    folder = write_components(tmp_path / "components", files)
    config = RunConfig(
        app_id="cronapp", app_port=app_port, components_paths=(folder,), app_protocol=protocol
    )
    sidecar = Sidecar(
        config, registry=registry, printer=Printer(io.StringIO()), status=io.StringIO()
    )
    running = asyncio.create_task(sidecar.run())
    try:
        await wait_until(lambda: sidecar.ready.is_set() or running.done(), what="sidecar ready")
        if running.done():
            running.result()  # start-up failed: raise why
        yield sidecar
    finally:
        sidecar.request_stop()
        await asyncio.wait_for(running, 30)


@pytest.fixture
def clock() -> FakeClock:
    cron_clock.CLOCK = FakeClock()
    return cron_clock.CLOCK


@pytest.fixture
async def app() -> AsyncIterator[TickApp]:
    tick_app = TickApp()
    await tick_app.start()
    yield tick_app
    await tick_app.stop()


async def metadata_of(sidecar: Sidecar) -> dict[str, object]:
    url = f"http://127.0.0.1:{sidecar.http_port}/v1.0/metadata"
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        assert response.status == 200
        document: dict[str, object] = await response.json()
        return document


async def test_a_tick_is_an_empty_post_with_daprds_headers(tmp_path, clock, app) -> None:
    files = {"cron": cron_yaml("cron-binding", "@every 1s")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()):
        await clock.step(SECOND)
        await wait_until(lambda: len(app.posts()) == 1, what="one tick")
    [probe] = app.probes()
    [tick] = app.posts()
    assert probe.path == tick.path == "/cron-binding"
    assert tick.body == b""
    headers = {k: v for k, v in tick.headers.items() if k not in ("Host",)}
    assert headers == {
        "User-Agent": "Go-http-client/1.1",
        "Accept-Encoding": "gzip",
        "Timezone": local_location().name,
        "Readtimeutc": "2022-01-01 00:00:01 +0000 UTC",
        "Content-Type": "application/json",
        "Content-Length": "0",
    }


async def test_an_app_that_does_not_answer_the_probe_gets_no_tick(tmp_path, clock, app) -> None:
    app.options_status = 404
    files = {"cron": cron_yaml("cron-binding", "@every 1s")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()) as sidecar:
        assert len(app.probes()) == 1
        assert clock.sleepers() == []  # not started: nothing waits for a tick
        status = await metadata_of(sidecar)
    assert status["daprlite"] == {
        "inputBindings": [
            {
                "name": "cron-binding",
                "schedule": "@every 1s",
                "timeZone": local_location().name,
                "nextTick": None,
                "inFlight": 0,
                "ticks": {"delivered": 0, "failed": 0, "heldBack": 0},
            }
        ]
    }
    assert app.posts() == []


async def test_a_405_to_the_probe_subscribes(tmp_path, clock, app) -> None:
    app.options_status = 405
    files = {"cron": cron_yaml("cron-binding", "@every 1s")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()):
        await clock.step(SECOND)
        await wait_until(lambda: len(app.posts()) == 1, what="one tick")


async def test_direction_input_skips_the_probe(tmp_path, clock, app) -> None:
    app.options_status = 404  # would mean "not subscribed", were it asked
    files = {"cron": cron_yaml("cron-binding", "@every 1s", direction="input")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()):
        await clock.step(SECOND)
        await wait_until(lambda: len(app.posts()) == 1, what="one tick")
    assert app.probes() == []


async def test_direction_output_creates_nothing(tmp_path, clock, app) -> None:
    files = {"cron": cron_yaml("cron-binding", "@every 1s", direction="output")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()) as sidecar:
        document = await metadata_of(sidecar)
    assert document["components"] == [
        {"name": "cron-binding", "type": "bindings.cron", "version": "v1"}
    ]  # no instance, so no capability (daprd leaves the empty list out as well)
    assert app.requests == []


async def test_metadata_lists_the_component_and_where_it_stands(tmp_path, clock, app) -> None:
    files = {"cron": cron_yaml("cron-binding", "*/3 * * * * *")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()) as sidecar:
        await clock.step(3 * SECOND)
        await wait_until(lambda: len(app.posts()) == 1, what="one tick")
        await wait_until(lambda: sidecar.store.input_status()[0]["inFlight"] == 0)
        document = await metadata_of(sidecar)
    assert document["components"] == [
        {
            "name": "cron-binding",
            "type": "bindings.cron",
            "version": "v1",
            "capabilities": ["INPUT_BINDING"],
        }
    ]
    assert document["daprlite"] == {
        "inputBindings": [
            {
                "name": "cron-binding",
                "schedule": "*/3 * * * * *",
                "timeZone": local_location().name,
                "nextTick": "2022-01-01 00:00:06 +0000 UTC",
                "inFlight": 0,
                "ticks": {"delivered": 1, "failed": 0, "heldBack": 0},
                "lastTick": {"at": "2022-01-01 00:00:03 +0000 UTC", "outcome": "delivered"},
            }
        ]
    }


async def test_a_refused_tick_is_not_retried(tmp_path, clock, app) -> None:
    app.post_status = 500
    files = {"cron": cron_yaml("cron-binding", "@every 1s")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()) as sidecar:
        await clock.step(SECOND)
        await wait_until(lambda: sidecar.store.input_status()[0]["ticks"]["failed"] == 1)
        app.post_status = 200
        await clock.step(SECOND)
        await wait_until(lambda: sidecar.store.input_status()[0]["ticks"]["delivered"] == 1)
        status = sidecar.store.input_status()[0]
    assert len(app.posts()) == 2  # one per tick: the refused one was not sent again
    assert status["lastTick"]["outcome"] == "delivered"


async def test_ticks_while_the_app_is_down_are_lost(tmp_path, clock, app) -> None:
    """Certification TestCronBindingWithAppRestart, with the clock in the test's hands."""
    files = {"cron3s": cron_yaml("cron3s", "*/3 * * * * *")}
    async with sidecar_for(tmp_path, files, app.port, registry=fake_clock_registry()) as sidecar:
        await clock.step(3 * SECOND)
        await wait_until(lambda: len(app.posts()) == 1, what="the first tick")
        await app.stop()
        for _ in range(2):
            await clock.step(3 * SECOND)
        await wait_until(lambda: sidecar.store.input_status()[0]["ticks"]["failed"] == 2)
        last = sidecar.store.input_status()[0]["lastTick"]
        await app.start()  # the same port again
        for _ in range(3):
            await clock.step(3 * SECOND)
        await wait_until(lambda: len(app.posts()) == 4, what="ticks after the restart")
        await wait_until(lambda: sidecar.store.input_status()[0]["inFlight"] == 0)
        counts = sidecar.store.input_status()[0]["ticks"]
    assert [p.headers["Readtimeutc"] for p in app.posts()] == [
        f"2022-01-01 00:00:{s:02d} +0000 UTC" for s in (3, 12, 15, 18)
    ]
    assert counts == {"delivered": 4, "failed": 2, "heldBack": 0}
    assert last["outcome"] == "failed" and last["error"].startswith("error invoking app: ")


async def test_a_grpc_app_gets_ticks_through_on_binding_event(tmp_path, clock) -> None:
    grpc_app = GrpcTickApp(bindings=["cron-binding"])
    await grpc_app.start()
    files = {"cron": cron_yaml("cron-binding", "@every 1s"), "off": cron_yaml("other", "@every 1s")}
    try:
        async with sidecar_for(
            tmp_path, files, grpc_app.port, protocol="grpc", registry=fake_clock_registry()
        ):
            await clock.step(SECOND, sleepers=1)  # "other" is not in the app's list
            await wait_until(lambda: len(grpc_app.events) == 1, what="one tick")
    finally:
        await grpc_app.stop()
    [event] = grpc_app.events
    assert (event.name, event.data) == ("cron-binding", b"")
    assert dict(event.metadata) == {
        "timeZone": local_location().name,
        "readTimeUTC": "2022-01-01 00:00:01 +0000 UTC",
    }


async def test_a_bad_schedule_stops_start_up_naming_its_line(tmp_path, app) -> None:
    files = {"cron": cron_yaml("cron-binding", "0 0 31 2 * * *")}
    with pytest.raises(MetadataError) as refused:
        async with sidecar_for(tmp_path, files, app.port):
            pass
    where = tmp_path / "components" / "cron.yaml"
    assert str(refused.value) == (
        f"{where}:10: component cron-binding: metadata field 'schedule' is not a valid "
        "schedule: invalid schedule format '0 0 31 2 * * *': expected 5 to 6 fields, found 7: "
        "[0 0 31 2 * * *]"
    )
    assert app.requests == []


async def test_ignore_errors_starts_without_a_bad_cron(tmp_path, app) -> None:
    bad = cron_yaml("broken", "@every").replace("spec:\n", "spec:\n  ignoreErrors: true\n")
    files = {"bad": bad, "good": cron_yaml("good", "@hourly")}
    async with sidecar_for(tmp_path, files, app.port) as sidecar:
        document = await metadata_of(sidecar)
    assert [c["name"] for c in document["components"]] == ["good"]


# --- real processes -------------------------------------------------------------------------

TICK_APP = """
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_OPTIONS(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print("TICK", self.path, len(body), self.headers["Readtimeutc"], flush=True)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), H).serve_forever()
"""


def test_real_clock_ticks_reach_the_app(tmp_path: Path) -> None:
    """`daprlite run` with `@every 1s` and a real HTTP app: at least two ticks, on real time."""
    folder = write_components(tmp_path / "components", {"cron": cron_yaml("ticker", "@every 1s")})
    (tmp_path / "app.py").write_text(TICK_APP)
    args = ["--app-id", "ticker", "--app-port", str(free_port()), "--resources-path", str(folder)]
    run = DaprliteRun([*args, "--", sys.executable, "app.py"], cwd=tmp_path)
    try:
        ticks = run.wait_for(r"== APP == TICK /ticker 0 ", count=2, timeout=60)
    finally:
        assert run.stop() in (0, 143)
    times = [line.split(" 0 ", 1)[1] for line in ticks]
    assert all(GO_UTC_TIME.fullmatch(t) for t in times), times
    assert times[0] < times[1]


def test_run_refuses_a_bad_schedule_naming_file_and_line(tmp_path: Path) -> None:
    folder = write_components(tmp_path / "components", {"cron": cron_yaml("ticker", "@every 1d")})
    run = DaprliteRun(["--app-id", "ticker", "--resources-path", str(folder)], cwd=tmp_path)
    assert run.wait_exit(60) == 1
    assert (
        f"{folder / 'cron.yaml'}:10: component ticker: metadata field 'schedule' is not a valid "
        "schedule: invalid schedule format '@every 1d': failed to parse duration @every 1d: "
        'time: unknown unit "d" in duration "1d"'
    ) in run.output


def test_components_list_and_validate_know_the_type(tmp_path: Path) -> None:
    folder = write_components(tmp_path / "components", {"cron": cron_yaml("ticker", "@hourly")})
    daprlite = [sys.executable, "-m", "daprlite", "components"]
    listed = subprocess.run(
        [*daprlite, "list", "-d", str(folder), "-o", "json"], capture_output=True, text=True
    )
    validated = subprocess.run(
        [*daprlite, "validate", "-d", str(folder)], capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert [(c["name"], c["type"]) for c in json.loads(listed.stdout)] == [
        ("ticker", "bindings.cron")
    ]
    assert validated.returncode == 0 and "1 component valid" in validated.stdout + validated.stderr


def test_an_unknown_cron_version_is_refused_by_the_loader(tmp_path: Path) -> None:
    text = cron_yaml("ticker", "@hourly").replace("version: v1", "version: v2")
    folder = write_components(tmp_path / "components", {"cron": textwrap.dedent(text)})
    validated = subprocess.run(
        [sys.executable, "-m", "daprlite", "components", "validate", "-d", str(folder)],
        capture_output=True,
        text=True,
    )
    assert validated.returncode != 0
    assert "cron.yaml:7: version v2 of bindings.cron is not supported; use v1" in validated.stderr

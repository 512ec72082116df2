"""The dashboard's HTTP surface in process: the page, its guards (loopback host names only,
JSON-only POSTs from its own origin) and a sidecar that does not answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from daprlite.dashboard.discovery import Sidecar, SidecarClient, sidecar_of
from daprlite.dashboard.poller import Poller
from daprlite.dashboard.server import hostname, make_app
from daprlite.process.runs import RunEntry
from tests.support.ports import free_ports


def silent_sidecar() -> Sidecar:
    """A run entry whose ports nobody listens on: a sidecar that died before its file went."""
    http, metrics = free_ports(2)
    entry = RunEntry(
        app_id="ghost", http_port=http, grpc_port=1, created=0.0, cli_pid=1, cli_started=0.0,
        metrics_port=metrics,
    )  # fmt: skip
    return sidecar_of(entry)


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    ghost = silent_sidecar()

    async def discover() -> list[Sidecar]:
        return [ghost]

    async with SidecarClient({}) as sidecars:
        poller = Poller(sidecars, discover)
        await poller.refresh()
        server = TestServer(make_app(poller, sidecars), host="127.0.0.1")
        async with TestClient(server) as http:
            yield http


async def test_the_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = await client.get("/")
    assert page.status == 200
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    html = await page.text()
    assert "http://" not in html and "https://" not in html
    script = await client.get("/static/app.js")
    assert script.status == 200
    assert "https://" not in await script.text()


async def test_an_unreachable_sidecar_is_listed_as_such(client: TestClient) -> None:
    doc = await (await client.get("/api/apps")).json()
    [app] = doc["apps"]
    assert (app["appId"], app["status"]) == ("ghost", "metadata unreachable")
    assert "connection refused" in app["error"]
    assert (await client.get("/api/bindings")).status == 200
    assert (await client.get("/api/partitions")).status == 200
    traces = await (await client.get("/api/traces")).json()
    assert traces["traces"] == [] and traces["apps"][0]["tracing"] is False
    tail = await client.get(f"/api/tail?app={app['key']}")
    assert tail.status == 502


async def test_another_host_name_is_refused(client: TestClient) -> None:
    answer = await client.get("/api/apps", headers={"Host": "attacker.example:8080"})
    assert answer.status == 403
    assert (await client.get("/api/apps", headers={"Host": "localhost:8080"})).status == 200


async def test_send_takes_json_from_its_own_origin_only(client: TestClient) -> None:
    form = {"app": "nope", "binding": "b", "data": "x"}
    as_form = await client.post("/api/send", data={"app": "nope"})
    assert as_form.status == 403
    foreign = await client.post("/api/send", json=form, headers={"Origin": "http://evil.test"})
    assert foreign.status == 403
    unknown = await client.post("/api/send", json=form)
    assert unknown.status == 404
    no_binding = await client.post("/api/send", json={"app": "x"})
    assert no_binding.status == 400


def test_hostname() -> None:
    assert hostname("127.0.0.1:8080") == "127.0.0.1"
    assert hostname("[::1]:8080") == "[::1]"
    assert hostname("localhost") == "localhost"

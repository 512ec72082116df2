"""daprd asks an HTTP app for `GET /dapr/config` once the app is up; daprlite makes the same
call (and counts it in dapr_http_client_*), whatever the app answers."""

from __future__ import annotations

import io

from aiohttp import web

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar


async def start_app(status: int, seen: list[dict[str, str]]) -> tuple[web.AppRunner, int]:
    async def config(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"entities": []}, status=status)

    app = web.Application()
    app.router.add_get("/dapr/config", config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


async def test_the_app_is_asked_for_its_config_with_daprds_headers(tmp_path) -> None:
    seen: list[dict[str, str]] = []
    runner, port = await start_app(404, seen)
    config = RunConfig(app_id="cfg-app", app_port=port, components_paths=(tmp_path,))
    sidecar = Sidecar(config, printer=Printer(io.StringIO()))
    try:
        await sidecar.startup()  # a 404 (an app without Dapr config) does not stop start-up
        assert sidecar.readiness.app_ready
        assert sidecar.metrics is not None
        text = sidecar.metrics.render()
    finally:
        await sidecar.shutdown()
        await runner.cleanup()
    [headers] = seen
    assert headers["Dapr-App-Id"] == "cfg-app"
    assert headers["Content-Type"] == "application/json"
    assert (
        'dapr_http_client_completed_count{app_id="cfg-app",method="GET",path="/dapr/config",'
        'status="404"} 1' in text
    )

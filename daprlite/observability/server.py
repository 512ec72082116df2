"""The metrics endpoint: Prometheus text 0.0.4 on every path, as daprd's exporter mounts its
handler on `/`; the `dapr_*` series first, then prometheus_client's process_* and python_*."""

from __future__ import annotations

import asyncio
import logging
import socket

from aiohttp import web
from prometheus_client import REGISTRY, generate_latest

from daprlite.observability.metrics import Metrics

log = logging.getLogger("daprlite.observability")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_METRICS = web.AppKey("metrics", Metrics)


class MetricsServer:
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, sock: socket.socket) -> None:
        """Serve on `sock`, a bound listening socket (the caller picks address and port)."""
        app = web.Application()
        app[_METRICS] = self._metrics
        app.router.add_route("GET", "/{tail:.*}", _scrape)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        host, self.port = sock.getsockname()[:2]
        await web.SockSite(self._runner, sock).start()
        log.info("metrics server started on %s:%d/", host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def _scrape(request: web.Request) -> web.StreamResponse:
    ours = request.app[_METRICS].render().encode()
    # The process collector reads /proc: off the loop, a scrape never delays a delivery.
    process = await asyncio.to_thread(generate_latest, REGISTRY)
    return web.Response(body=ours + process, headers={"Content-Type": CONTENT_TYPE})

"""The metrics endpoint: Prometheus text 0.0.4 on every path, as daprd's exporter mounts its
handler on `/`; the `dapr_*` series first, then prometheus_client's process_* and python_*.

Beyond daprd, the same port answers `/daprlite/v1/{spans,tail,log,status}` with JSON for the
dashboard (introspection.py); every other path is still the metrics.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import REGISTRY, generate_latest

from daprlite.observability.introspection import Introspection
from daprlite.observability.metrics import Metrics

log = logging.getLogger("daprlite.observability")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INTROSPECTION_PREFIX = "/daprlite/v1/"
_METRICS = web.AppKey("metrics", Metrics)
_INTROSPECTION = web.AppKey("introspection", Introspection)


class MetricsServer:
    def __init__(self, metrics: Metrics, introspection: Introspection | None = None) -> None:
        self._metrics = metrics
        self._introspection = introspection
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, sock: socket.socket) -> None:
        """Serve on `sock`, a bound listening socket (the caller picks address and port)."""
        app = web.Application()
        app[_METRICS] = self._metrics
        if self._introspection is not None:
            app[_INTROSPECTION] = self._introspection
            for name, handler in _JSON_ROUTES.items():
                app.router.add_get(INTROSPECTION_PREFIX + name, handler, allow_head=False)
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


def _answer(read: Callable[[Introspection, int], dict[str, Any]]) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        raw = request.query.get("after", "0")
        try:
            after = int(raw)
        except ValueError:
            return web.json_response(
                {"error": f"after must be a whole number, not {raw!r}"}, status=400
            )
        return web.json_response(read(request.app[_INTROSPECTION], after))

    return handler


_JSON_ROUTES = {
    "spans": _answer(lambda i, _after: i.spans()),
    "tail": _answer(lambda i, after: i.messages(after)),
    "log": _answer(lambda i, after: i.log(after)),
    "status": _answer(lambda i, _after: i.status()),
}

"""The metrics endpoint: Prometheus text 0.0.4 on every path, as daprd's exporter mounts its
handler on `/`; the `dapr_*` series first, then prometheus_client's process_* and python_*.

Beyond daprd, the same port answers `/daprlite/v1/{spans,tail,log,status}` with JSON for the
dashboard (introspection.py); every other path is still the metrics.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from daprlite.observability.introspection import Introspection
from daprlite.observability.metrics import Metrics
from daprlite.serving.http1 import HTTPServer
from daprlite.serving.message import HTTPRequest, Reply

log = logging.getLogger("daprlite.observability")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INTROSPECTION_PREFIX = "/daprlite/v1/"
_JSON = "application/json; charset=utf-8"


class MetricsServer:
    def __init__(self, metrics: Metrics, introspection: Introspection | None = None) -> None:
        self._metrics = metrics
        self._introspection = introspection
        self._server: HTTPServer | None = None
        self.port = 0

    async def start(self, sock: socket.socket) -> None:
        """Serve on `sock`, a bound listening socket (the caller picks address and port)."""
        # GET requests only: a small body limit is plenty.
        self._server = HTTPServer(self._answer, max_body_bytes=1 << 16)
        host, self.port = sock.getsockname()[:2]
        await self._server.start(sock)
        log.info("metrics server started on %s:%d/", host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close(grace=1.0)
            self._server = None

    async def _answer(self, request: HTTPRequest) -> Reply:
        if request.method != "GET":
            return Reply(405, (("Allow", "GET"),), b"405: Method Not Allowed", "text/plain")
        path = request.path
        if self._introspection is not None and path.startswith(INTROSPECTION_PREFIX):
            read = _JSON_ROUTES.get(path.removeprefix(INTROSPECTION_PREFIX))
            if read is not None:
                return _introspect(read, self._introspection, request.raw_query)
        return await self._scrape()

    async def _scrape(self) -> Reply:
        # Imported at the first scrape, not at start-up: the port opens ~20 ms sooner.
        from prometheus_client import REGISTRY, generate_latest

        ours = self._metrics.render().encode()
        # The process collector reads /proc: off the loop, a scrape never delays a delivery.
        process = await asyncio.to_thread(generate_latest, REGISTRY)
        return Reply(200, body=ours + process, content_type=CONTENT_TYPE)


Read = Callable[[Introspection, int], dict[str, Any]]


def _introspect(read: Read, introspection: Introspection, raw_query: str) -> Reply:
    raw = next((v for k, v in parse_qsl(raw_query) if k == "after"), "0")
    try:
        after = int(raw)
    except ValueError:
        problem = {"error": f"after must be a whole number, not {raw!r}"}
        return Reply(400, body=json.dumps(problem).encode(), content_type=_JSON)
    return Reply(200, body=json.dumps(read(introspection, after)).encode(), content_type=_JSON)


_JSON_ROUTES: dict[str, Read] = {
    "spans": lambda i, _after: i.spans(),
    "tail": lambda i, after: i.messages(after),
    "log": lambda i, after: i.log(after),
    "status": lambda i, _after: i.status(),
}

"""The endpoint components-contrib's HTTP binding tests call (`HTTPHandler` in http_test.go),
as a real aiohttp server on the loopback, over HTTP or HTTPS (optionally asking for a client
certificate).

It answers with the request body upper-cased (the method when there is no body, or header
`X-Input`), the status from header `X-Status-Code`, always `Content-Type: text/plain`;
`/large` answers 5 KiB; `/testmTLS` answers how many certificates the client showed. Header
`X-Hang: 1` makes it never answer (until the server stops), for timeouts.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from aiohttp import web

from daprlite.gocompat.headers import canonical_mime_header_key


@dataclass
class EchoServer:
    tls: ssl.SSLContext | None = None
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)  # the last request's, first values
    bodies: list[bytes] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def start(self) -> EchoServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.tls)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stop.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.path = request.path
        if request.path.strip("/") == "large":
            return web.Response(body=b"12345" * 1024)
        if request.path == "/testmTLS":
            peer = request.transport.get_extra_info("peercert") if request.transport else None
            return web.Response(text="1" if peer else "0")
        # Go's server canonicalises names (aiohttp's keeps some in lower case).
        self.headers = {}
        for name, value in request.raw_headers:
            self.headers.setdefault(canonical_mime_header_key(name.decode()), value.decode())
        body = await request.read()
        self.bodies.append(body)
        text = body.decode() if body else request.method
        text = request.headers.get("X-Input") or text
        if request.headers.get("X-Hang"):
            await self._stop.wait()
        status = int(request.headers.get("X-Status-Code") or 200)
        payload = b"" if status in (204, 304) else text.upper().encode()
        return web.Response(status=status, body=payload, headers={"Content-Type": "text/plain"})

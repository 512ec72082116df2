"""HTTP/1.1 requests to one host over kept-alive connections, parsed by llhttp (httptools): the
app channel's deliveries, one POST per message.

Why not aiohttp's client: per request it spends ~100 µs of Python on what a delivery does not
use (cookies, redirects, proxies, tracing hooks, a response object with streams), and an input
partition is strictly one delivery at a time, so that time is the partition's whole rate.
Failures are OSError subclasses (ConnectionError, TimeoutError), as a socket's would be.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import httptools
from multidict import CIMultiDict

# Connections kept open for later requests; more are opened when more requests are in flight.
_MAX_IDLE = 64


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: CIMultiDict[str]
    body: bytes


class HTTPClient:
    """`await client.request(method, target, headers, body)` to `host:port`."""

    def __init__(self, host: str, port: int, connect_timeout: float = 5.0) -> None:
        self._host, self._port = host, port
        self._host_header = f"{host}:{port}"
        self._connect_timeout = connect_timeout
        self._idle: deque[_Connection] = deque()

    async def request(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes = b""
    ) -> Response:
        for name, value in headers.items():
            # A line break would end the header early and let the rest pose as another one.
            if "\r" in value or "\n" in value:
                raise ValueError(f"header {name} holds a line break")
        head = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += [f"Content-Length: {len(body)}", "\r\n"]
        message = "\r\n".join(head).encode("utf-8", "surrogateescape") + body
        connection = await self._connection()
        response, keep_alive = await connection.exchange(message)
        if keep_alive and len(self._idle) < _MAX_IDLE:
            self._idle.append(connection)
        else:
            connection.close()
        return response

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable:
                return connection
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self._connect_timeout):
            _, protocol = await loop.create_connection(_Connection, self._host, self._port)
        return protocol

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class _Connection(asyncio.Protocol):
    """One connection, one request at a time; the parser calls the `on_*` methods."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[tuple[Response, bool]] | None = None
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._headers_done = False

    @property
    def usable(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    async def exchange(self, message: bytes) -> tuple[Response, bool]:
        """Send one request; its response, and whether the connection may be used again."""
        if self._transport is None:
            raise ConnectionResetError("the connection to the app was closed")
        self._answer = asyncio.get_running_loop().create_future()
        self._headers, self._body, self._headers_done = [], [], False
        self._transport.write(message)
        try:
            return await self._answer
        except asyncio.CancelledError:
            self.close()  # an answer may still come: this connection is no use any more
            raise

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._answer is None or self._answer.done():
            return
        if self._headers_done and exc is None:
            # An answer with neither a length nor chunks ends where the connection does.
            self._complete(keep_alive=False)
        else:
            self._answer.set_exception(
                ConnectionResetError("the app closed the connection before it answered")
            )

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self._answer is not None and not self._answer.done():
                self._answer.set_exception(ConnectionError(f"malformed answer from the app: {exc}"))
            self.close()

    # llhttp callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, chunk: bytes) -> None:
        self._body.append(chunk)

    def on_message_complete(self) -> None:
        if 100 <= self._parser.get_status_code() < 200:
            # An interim answer (100 Continue, 103 Early Hints): the real one follows.
            self._headers, self._body, self._headers_done = [], [], False
            return
        self._complete(self._parser.should_keep_alive())

    def _complete(self, keep_alive: bool) -> None:
        if self._answer is None or self._answer.done():
            return  # an answer nobody asked for: dropped, as Go's client does
        status = self._parser.get_status_code()
        response = Response(status, CIMultiDict(self._headers), b"".join(self._body))
        self._answer.set_result((response, keep_alive))

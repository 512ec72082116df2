"""HTTP/1.1 for the sidecar's ports (the Dapr HTTP API, metrics): an asyncio protocol on llhttp
(httptools), as uvicorn's is.

Why not aiohttp's server: it spends ~100 µs of Python on each request before a handler runs,
against ~20 µs for llhttp's callbacks and one task per request (measured with a 204 handler,
1 KB bodies, 16 keep-alive clients). What the Dapr SDKs, curl and daprd's rules need is here:
keep-alive (HTTP/1.0 too), pipelined requests answered in order, chunked bodies,
`Expect: 100-continue`, the body limit (the first `limit` bytes kept, the rest read and
dropped, as daprd's limit reader does) and Go's 1 MB header limit (431). A request the parser
refuses gets a plain 400 and the connection is closed.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import cast

import httptools
from multidict import CIMultiDict

from daprlite.serving.message import HTTPRequest, LimitedBody, Reply

log = logging.getLogger("daprlite.serving")

Answer = Callable[[HTTPRequest], Awaitable[Reply]]

# Go's http.DefaultMaxHeaderBytes: request line and headers together.
_MAX_HEADER_BYTES = 1 << 20
# Complete requests waiting behind the one being answered before reading pauses.
_MAX_PIPELINED = 16
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_NO_BODY_STATUSES = frozenset({204, 304})


class HTTPServer:
    """Serves `answer` on a bound socket until `close()`."""

    def __init__(self, answer: Answer, max_body_bytes: int) -> None:
        self.answer = answer
        self.max_body_bytes = max_body_bytes
        self.closing = False
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._all_closed = asyncio.Event()

    async def start(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), sock=sock)

    async def close(self, grace: float = 10.0) -> None:
        """Stop accepting; let each connection finish the request it has, then close it;
        after `grace` seconds, close what is left."""
        self.closing = True
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.close_when_idle()
        if self._connections:
            try:
                await asyncio.wait_for(self._all_closed.wait(), grace)
            except TimeoutError:
                for connection in list(self._connections):
                    connection.abort()

    def opened(self, connection: _Connection) -> None:
        self._connections.add(connection)
        self._all_closed.clear()

    def closed(self, connection: _Connection) -> None:
        self._connections.discard(connection)
        if not self._connections:
            self._all_closed.set()


class _Connection(asyncio.Protocol):
    """One client connection; the parser calls the `on_*` methods as bytes arrive."""

    def __init__(self, server: HTTPServer) -> None:
        self._server = server
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url: list[bytes] = []
        self._headers: list[tuple[str, str]] = []
        self._header_bytes = 0
        self._expects_continue = False
        self._body = LimitedBody(server.max_body_bytes)
        # Complete requests not yet answered, each with what its own request line and headers
        # said of the connection: (request, keep-alive, HTTP/1.0).
        self._pending: deque[tuple[HTTPRequest, bool, bool]] = deque()
        self._answering = False
        self._paused = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)
        self._server.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        # A request being answered is not cancelled: its binding call completes (a record
        # produced stays produced); only its answer has nowhere to go.
        self._transport = None
        self._pending.clear()
        self._server.closed(self)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, "upgrades are not supported")
        except httptools.HttpParserError as exc:
            if self._header_bytes > _MAX_HEADER_BYTES:
                self._refuse(431, "request headers too large")  # Go's status for it
            else:
                self._refuse(400, str(exc) or "malformed request")

    # llhttp callbacks

    def on_message_begin(self) -> None:
        self._url = []
        self._headers = []
        self._header_bytes = 0
        self._expects_continue = False
        self._body = LimitedBody(self._server.max_body_bytes)

    def on_url(self, url: bytes) -> None:
        self._url.append(url)
        self._count_header_bytes(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header_bytes(len(name) + len(value))
        # Bytes that are not UTF-8 come through as surrogates, so a wrong token compares
        # unequal instead of failing (api/http_routes.authorize turns them back).
        self._headers.append((name.decode("latin-1"), value.decode("utf-8", "surrogateescape")))
        if len(name) == 6 and name.lower() == b"expect" and value.lower() == b"100-continue":
            self._expects_continue = True

    def on_headers_complete(self) -> None:
        if self._expects_continue and self._parser.get_http_version() == "1.1":
            self._write(_CONTINUE)

    def on_body(self, chunk: bytes) -> None:
        if not self._body.truncated:
            self._body.add(chunk)

    def on_message_complete(self) -> None:
        request = HTTPRequest(
            self._parser.get_method().decode("ascii", "replace"),
            b"".join(self._url).decode("utf-8", "surrogateescape"),
            CIMultiDict(self._headers),
            self._body.body,
            self._body.truncated,
        )
        http_10 = self._parser.get_http_version() == "1.0"
        self._pending.append((request, self._parser.should_keep_alive(), http_10))
        if len(self._pending) > _MAX_PIPELINED and self._transport is not None:
            self._transport.pause_reading()
            self._paused = True
        if not self._answering:
            self._answer_next()

    # answering, one request at a time per connection, in the order they came

    def _answer_next(self) -> None:
        if not self._pending or self._transport is None:
            self._answering = False
            if self._server.closing:
                self.close_when_idle()
            return
        if self._paused and len(self._pending) <= _MAX_PIPELINED // 2:
            self._transport.resume_reading()
            self._paused = False
        self._answering = True
        request, keep_alive, http_10 = self._pending.popleft()
        asyncio.get_running_loop().create_task(self._answer(request, keep_alive, http_10))

    async def _answer(self, request: HTTPRequest, keep_alive: bool, http_10: bool) -> None:
        try:
            reply = await self._server.answer(request)
        except Exception:  # the API answers every failure itself; this is a last resort
            log.exception("no answer for %s %s", request.method, request.raw_path)
            reply = Reply(500)
        keep_alive = keep_alive and not self._server.closing
        self._write(encode_reply(reply, keep_alive, http_10))
        if keep_alive:
            self._answer_next()
        elif self._transport is not None:
            self._transport.close()

    def close_when_idle(self) -> None:
        if not self._answering and self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _count_header_bytes(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > _MAX_HEADER_BYTES:
            # Raised inside feed_data: the parser stops, data_received answers 431.
            raise httptools.HttpParserError("request headers too large")

    def _refuse(self, status: int, message: str) -> None:
        self._write(encode_reply(Reply(status, body=message.encode() + b"\n"), keep_alive=False))
        if self._transport is not None:
            self._transport.close()


def encode_reply(reply: Reply, keep_alive: bool, http_10: bool = False) -> bytes:
    """The status line, headers and body as one write."""
    status = reply.status
    head = [f"HTTP/1.1 {status} {_phrase(status)}"]
    if reply.content_type is not None:
        head.append(f"Content-Type: {reply.content_type}")
    for name, value in reply.headers:
        # A line break in a value would start a header of the client's choosing.
        if "\r" not in value and "\n" not in value:
            head.append(f"{name}: {value}")
    if status not in _NO_BODY_STATUSES:
        head.append(f"Content-Length: {len(reply.body)}")
    head.append(f"Date: {_http_date()}")
    if not keep_alive:
        head.append("Connection: close")
    elif http_10:
        head.append("Connection: keep-alive")
    head.append("\r\n")
    body = b"" if status in _NO_BODY_STATUSES else reply.body
    return "\r\n".join(head).encode("utf-8", "surrogateescape") + body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """Date header value, formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]

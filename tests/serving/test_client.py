"""The app channel's HTTP client against real sockets: answers framed every way HTTP/1.1
allows, kept-alive reuse, and the failures a delivery must see as errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from daprlite.serving.client import HTTPClient

Reply = Callable[[bytes], bytes | None]  # request bytes -> raw answer (None: close, no answer)


class RawServer:
    """Answers each request with whatever `reply` returns; remembers peers and requests."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.peers: list[object] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.peers.append(writer.get_extra_info("peername"))
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.reply(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower() or (
                    b"content-length" not in answer.lower() and b"chunked" not in answer.lower()
                ):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _ends_connection(answer: bytes) -> bool:
    framed = b"content-length" in answer or b"chunked" in answer
    return b"connection: close" in answer or not framed


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Reply], asyncio.Future[RawServer]]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply) -> RawServer:
        raw = RawServer(reply)
        server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
        raw.port = server.sockets[0].getsockname()[1]
        servers.append(server)
        return raw

    yield start  # type: ignore[misc]
    for server in servers:
        server.close()


def ok(body: bytes = b"done") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_requests_reuse_one_kept_alive_connection(serve) -> None:
    server = await serve(lambda _request: ok())
    client = HTTPClient("127.0.0.1", server.port)
    for _ in range(3):
        response = await client.request(
            "POST", "/orders", {"Content-Type": "application/json"}, b"{}"
        )
        assert (response.status, response.body) == (200, b"done")
    await client.close()
    assert len(server.peers) == 1
    first = server.requests[0]
    assert first.startswith(b"POST /orders HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:%d\r\n" % server.port in first
    assert b"\r\nContent-Length: 2\r\n" in first and first.endswith(b"\r\n\r\n{}")


async def test_chunked_close_delimited_and_interim_answers_are_read_whole(serve) -> None:
    answers = iter(
        [
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok",
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nno length",
            ok(),
        ]
    )
    server = await serve(lambda _request: next(answers))
    client = HTTPClient("127.0.0.1", server.port)
    first = await client.request("POST", "/a", {}, b"1")
    second = await client.request("POST", "/a", {}, b"2")
    third = await client.request("POST", "/a", {}, b"3")
    fourth = await client.request("POST", "/a", {}, b"4")
    await client.close()
    assert (first.status, first.body) == (201, b"abcde")
    assert (second.status, second.body) == (202, b"ok")
    assert (third.status, third.body, third.headers["content-type"]) == (
        500, b"no length", "text/plain",
    )  # fmt: skip
    assert fourth.status == 200
    assert len(server.peers) == 2  # the close-delimited answer used up its connection


async def test_an_app_that_closes_without_answering_is_a_connection_error(serve) -> None:
    server = await serve(lambda _request: None)
    client = HTTPClient("127.0.0.1", server.port)
    with pytest.raises(ConnectionResetError, match="before it answered"):
        await client.request("POST", "/a", {}, b"x")
    await client.close()


async def test_a_connection_the_app_closed_while_idle_is_not_reused(serve) -> None:
    server = await serve(
        lambda _request: ok() if len(server.requests) != 1 else ok()[:-4] + b"done"
    )
    client = HTTPClient("127.0.0.1", server.port)
    await client.request("POST", "/a", {}, b"x")
    for transport_owner in list(client._idle):  # the app's side goes away between requests
        assert transport_owner._transport is not None
        transport_owner._transport.close()
    response = await client.request("POST", "/a", {}, b"y")
    await client.close()
    assert response.status == 200
    assert len(server.peers) == 2


async def test_a_header_with_a_line_break_is_refused_before_sending(serve) -> None:
    server = await serve(lambda _request: ok())
    client = HTTPClient("127.0.0.1", server.port)
    with pytest.raises(ValueError, match="line break"):
        await client.request("POST", "/a", {"X-Note": "one\r\nInjected: yes"}, b"")
    await client.close()
    assert server.requests == []


async def test_nothing_listening_is_an_os_error() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    client = HTTPClient("127.0.0.1", port)
    with pytest.raises(ConnectionRefusedError):
        await client.request("POST", "/a", {}, b"")

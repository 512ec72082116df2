"""The HTTP/1.1 server under the API and metrics ports, over raw sockets: framing, keep-alive,
pipelining, 100-continue, the body and header limits, bad requests, and a graceful close."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest

from daprlite.serving.http1 import HTTPServer
from daprlite.serving.message import HTTPRequest, Reply

LIMIT = 16
DEADLINE = 10.0


class Echo:
    """Tells what it was given; `/slow` says it began, then waits for `release`."""

    def __init__(self) -> None:
        self.began = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: HTTPRequest) -> Reply:
        if request.raw_path == "/slow":
            self.began.set()
            await self.release.wait()
        seen = {
            "method": request.method,
            "target": request.target,
            "body": request.body.decode(),
            "truncated": request.truncated,
            "x": request.headers.get("x-test"),
        }
        body = json.dumps(seen).encode()
        return Reply(200, (("X-Seen", "yes"),), body, "application/json")


@pytest.fixture
async def server() -> AsyncIterator[tuple[HTTPServer, int, Echo]]:
    echo = Echo()
    served = HTTPServer(echo, LIMIT)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await served.start(sock)
    yield served, sock.getsockname()[1], echo
    await served.close(grace=1.0)


async def read_answer(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    return head + await reader.readexactly(length)


async def exchange(port: int, raw: bytes, answers: int = 1) -> tuple[list[bytes], bool]:
    """Send `raw`; read `answers` answers; say whether the server then closed the socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    got: list[bytes] = []
    async with asyncio.timeout(DEADLINE):
        while len(got) < answers:
            got.append(await read_answer(reader))
        closed = await reader.read(1) == b""
    writer.close()
    return got, closed


def body_of(answer: bytes) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    return loaded


async def test_pipelined_requests_are_answered_in_order_on_one_connection(server) -> None:
    _, port, echo = server
    raw = (
        b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"
        b"PUT /fast?q=1 HTTP/1.1\r\nHost: x\r\nX-Test: two\r\nContent-Length: 1\r\n\r\nb"
        b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    asking = asyncio.ensure_future(exchange(port, raw, answers=3))
    async with asyncio.timeout(DEADLINE):
        await echo.began.wait()  # the first request is held; the two behind it must wait
    echo.release.set()
    answers, closed = await asking
    assert [body_of(a)["target"] for a in answers] == ["/slow", "/fast?q=1", "/last"]
    assert body_of(answers[1]) == {
        "method": "PUT", "target": "/fast?q=1", "body": "b", "truncated": False, "x": "two",
    }  # fmt: skip
    first = answers[0].decode()
    assert first.startswith("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Seen: yes\r\n")
    assert "\r\nDate: " in first and "Connection" not in first
    assert "Connection: close" in answers[2].decode() and closed


async def test_chunked_bodies_continue_and_the_body_limit(server) -> None:
    _, port, _ = server
    chunked = (
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    )
    [answer], _ = await exchange(port, chunked + b"GET /end HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert body_of(answer)["body"] == "abcdefg"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 40\r\n\r\n"
    )
    async with asyncio.timeout(DEADLINE):
        assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"x" * 40)  # past the 16-byte limit: kept in part, the rest read and dropped
    writer.write(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    async with asyncio.timeout(DEADLINE):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        over = body_of(head + await reader.readexactly(length))
        head = await reader.readuntil(b"\r\n\r\n")
        after = body_of(
            head
            + await reader.readexactly(int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]))
        )
    writer.close()
    assert (over["body"], over["truncated"]) == ("x" * LIMIT, True)
    assert (after["target"], after["truncated"]) == ("/after", False)


async def test_http_1_0_keep_alive_only_when_asked(server) -> None:
    _, port, _ = server
    [plain], closed = await exchange(port, b"GET /a HTTP/1.0\r\n\r\n")
    assert "Connection: close" in plain.decode() and closed
    raw = b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n"
    (kept, last), closed = await exchange(port, raw, answers=2)
    assert "Connection: keep-alive" in kept.decode()
    assert body_of(last)["target"] == "/b" and closed


async def test_a_malformed_request_gets_400_huge_headers_431_and_a_close(server) -> None:
    _, port, _ = server
    [bad], closed = await exchange(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert bad.startswith(b"HTTP/1.1 400 Bad Request\r\n") and closed
    huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    [refused], closed = await exchange(port, huge)
    assert refused.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert closed


async def test_close_lets_a_request_in_flight_finish_and_closes_idle_connections(server) -> None:
    served, port, echo = server
    busy_reader, busy = await asyncio.open_connection("127.0.0.1", port)
    idle_reader, idle = await asyncio.open_connection("127.0.0.1", port)
    busy.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    async with asyncio.timeout(DEADLINE):
        await echo.began.wait()
    closing = asyncio.ensure_future(served.close(grace=DEADLINE))
    async with asyncio.timeout(DEADLINE):
        assert await idle_reader.read(1) == b""  # the idle one is closed at once
        echo.release.set()
        head = await busy_reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in head
        await closing
    busy.close()
    idle.close()

"""A loopback HTTP/1.1 server that answers each path with fixed bytes and records requests.

It writes responses byte for byte (odd status lines, repeated headers, bad gzip), which a
framework server would tidy up, so the binding's reading of them can be held against Go's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from daprlite.gocompat.headers import canonical_mime_header_key

_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


@dataclass
class Hop:
    method: str
    target: str
    headers: dict[str, str]  # canonical name -> values joined with "|"
    body: bytes


@dataclass
class RawHTTPServer:
    """`responses` maps a path to the raw response; PORT in it becomes the server's port."""

    responses: Mapping[str, bytes]
    close_after: frozenset[str] = frozenset()
    hops: list[Hop] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> RawHTTPServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("utf-8", "replace").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers: dict[str, list[str]] = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers.setdefault(canonical_mime_header_key(name), []).append(
                            value.strip()
                        )
                length = int(headers.get("Content-Length", ["0"])[0])
                body = await reader.readexactly(length) if length else b""
                self.hops.append(
                    Hop(method, target, {k: "|".join(v) for k, v in headers.items()}, body)
                )
                path = target.split("?", 1)[0]
                raw = self.responses.get(
                    path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                )
                raw = raw.replace(b"PORT", str(self.port).encode())
                if method == "HEAD":
                    raw = raw[: raw.index(b"\r\n\r\n") + 4]
                writer.write(raw)
                await writer.drain()
                if path in self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

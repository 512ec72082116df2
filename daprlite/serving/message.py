"""An HTTP request as read and the answer to write, with no server attached: what the Dapr
API's rules take and give (api/http), and what serving/http1 parses and writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class HTTPRequest:
    """What the server read: the request target exactly as sent, its headers (looked up by
    lower-case name), and the body up to the size limit (`truncated`: the client sent more)."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes = b""
    truncated: bool = False

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]

    @property
    def path(self) -> str:
        """The decoded path (`%20` is a space), what daprd's token check and messages use."""
        return unquote(self.raw_path, errors="surrogateescape")


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer; `headers` come after Content-Type, in order, repeats allowed."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    content_type: str | None = None


class LimitedBody:
    """daprd's limit reader: keeps the first `limit` bytes and notes whether more came."""

    __slots__ = ("_chunks", "_room", "truncated")

    def __init__(self, limit: int) -> None:
        self._chunks: list[bytes] = []
        self._room = limit
        self.truncated = False

    def add(self, chunk: bytes) -> bool:
        """Keep what fits of `chunk`; False once the limit is passed (stop reading then)."""
        if len(chunk) > self._room:
            self._chunks.append(chunk[: self._room])
            self._room = 0
            self.truncated = True
            return False
        self._chunks.append(chunk)
        self._room -= len(chunk)
        return True

    @property
    def body(self) -> bytes:
        return b"".join(self._chunks)

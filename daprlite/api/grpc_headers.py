"""Request header blocks, HPACK-decoded into what a gRPC call needs. Clients send the same bytes
call after call (indexed headers); while the HPACK table is unchanged they mean the same
headers, so a block's result is remembered and the decoder skipped."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import cast

from hpack import Decoder
from hpack.table import HeaderTable

# Headers of the transport, not the caller's metadata.
_TRANSPORT = frozenset(("te", "content-type", "grpc-timeout", "grpc-accept-encoding"))
_MAX_REMEMBERED = 64


@dataclass(frozen=True)
class RequestHead:
    path: str
    encoding: str  # grpc-encoding of the request message
    metadata: tuple[tuple[str, str], ...]  # the caller's metadata, `-bin` values decoded


class _CountingTable(HeaderTable):
    """HPACK's dynamic table, counting its insertions (one may evict an equal-sized entry, so
    neither the table's length nor its size shows that it changed)."""

    def __init__(self) -> None:
        super().__init__()
        self.insertions = 0

    def add(self, name: bytes, value: bytes) -> None:
        self.insertions += 1
        super().add(name, value)


class RequestHeaders:
    """One connection's decoder (HPACK state is per connection and per direction)."""

    def __init__(self) -> None:
        self._decoder = Decoder()
        self._table = _CountingTable()
        self._decoder.header_table = self._table
        self._remembered: dict[bytes, RequestHead] = {}
        self._insertions = 0

    def decode(self, block: bytes) -> RequestHead:
        """Raises hpack's HPACKError or UnicodeDecodeError on a malformed block."""
        head = self._remembered.get(block)
        if head is not None:
            return head
        headers = cast("list[tuple[str, str]]", self._decoder.decode(block))
        head = _head(headers)
        # A size update (only ever first in a block) may evict entries.
        resized = bool(block) and block[0] & 0xE0 == 0x20
        if resized or self._table.insertions != self._insertions:
            # The table moved: earlier blocks may mean other headers now; this one is not kept
            # either, as its bytes changed the table.
            self._insertions = self._table.insertions
            self._remembered.clear()
        elif len(self._remembered) < _MAX_REMEMBERED:
            self._remembered[block] = head
        return head


def _head(headers: list[tuple[str, str]]) -> RequestHead:
    path, encoding, metadata = "", "identity", []
    for name, value in headers:
        if name[0] == ":":
            if name == ":path":
                path = value
        elif name == "grpc-encoding":
            encoding = value
        elif name.endswith("-bin"):
            metadata.append((name, _unbase64(value)))
        elif name not in _TRANSPORT:
            metadata.append((name, value))
    return RequestHead(path, encoding, tuple(metadata))


def _unbase64(value: str) -> str:
    # gRPC sends binary metadata base64-encoded, padding optional; handlers see it decoded as
    # Latin-1 text, which keeps every byte.
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4)).decode("latin-1")
    except ValueError:
        return value

"""Reading a response body as daprd does: up to maxResponseBodySize bytes, the rest left
unread, and gunzipped on the way when Go's transport asked for gzip itself.
"""

from __future__ import annotations

import zlib

from aiohttp import StreamReader

_GZIP_HEADER = 10
_MAGIC = b"\x1f\x8b\x08"


class BodyError(Exception):
    """Reading the body failed; the message is Go's (`unexpected EOF`, `gzip: ...`)."""


async def read_limited(stream: StreamReader, limit: int, gunzip: bool) -> tuple[bytes, bool]:
    """(body, complete): at most `limit` bytes when limit > 0; complete when nothing is left.

    Like Go's LimitReader, a body longer than the limit is cut off without an error, and
    nothing past the limit is looked at (not even whether its gzip stream is intact).
    """
    out = bytearray()
    decoder = _Gunzip() if gunzip else None
    while True:
        room = limit - len(out) if limit > 0 else 0
        if limit > 0 and room <= 0:
            return bytes(out), stream.at_eof() and (decoder is None or decoder.drained)
        if decoder is not None and decoder.has_input:
            chunk = b""
        else:
            chunk = await stream.readany()
            if not chunk:
                if decoder is not None:
                    decoder.finish()
                return bytes(out), True
        piece = decoder.feed(chunk, room) if decoder is not None else chunk
        if limit > 0 and len(piece) > room:
            return bytes(out + piece[:room]), False
        out += piece


class _Gunzip:
    """Go's gzip.Reader: concatenated members, Go's error texts; output in bounded pieces."""

    def __init__(self) -> None:
        self._input = b""
        self._member: zlib._Decompress | None = None

    @property
    def has_input(self) -> bool:
        """Whether bytes already received may still give output (the caller asked for less)."""
        if self._member is not None:
            return bool(self._input)
        return len(self._input) >= _GZIP_HEADER

    @property
    def drained(self) -> bool:
        return not self._input and self._member is None

    def feed(self, chunk: bytes, room: int) -> bytes:
        """Output for `chunk` (plus what was held back), at most `room` bytes (0: no bound)."""
        self._input += chunk
        out = bytearray()
        while self._input:
            if self._member is None:
                if len(self._input) < _GZIP_HEADER:
                    break
                if not self._input.startswith(_MAGIC):
                    raise BodyError("gzip: invalid header")
                self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            wanted = room - len(out) if room > 0 else 0
            if room > 0 and wanted <= 0:
                break
            try:
                out += self._member.decompress(self._input, wanted)
            except zlib.error as exc:
                raise BodyError(_zlib_reason(exc)) from None
            if self._member.eof:
                self._input = self._member.unused_data
                self._member = None
            else:
                self._input = self._member.unconsumed_tail
                if not self._input:
                    break
        return bytes(out)

    def finish(self) -> None:
        """The body ended: a member cut short is Go's `unexpected EOF`."""
        if self._member is not None or self._input:
            raise BodyError("unexpected EOF")


def _zlib_reason(exc: zlib.error) -> str:
    text = str(exc)
    if "data check" in text or "length check" in text:
        return "gzip: invalid checksum"
    if "header" in text or "compression method" in text:
        return "gzip: invalid header"
    return "flate: corrupt input"

"""A raw HTTP/2 gRPC client on the `h2` package, which checks what the server sends: flow control
windows, frame sizes, HPACK table size updates. For the wire tests of api/grpc_wire.py."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import (
    DataReceived,
    PingAckReceived,
    ResponseReceived,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)


@dataclass
class Answer:
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    trailers: dict[str, str] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def status(self) -> int:
        return int((self.trailers or self.headers)["grpc-status"])

    @property
    def message(self) -> bytes:
        length = struct.unpack(">L", self.body[1:5])[0]
        assert len(self.body) == 5 + length
        return bytes(self.body[5:])


class RawClient:
    """One connection. `grant` is how much window it gives back per DATA frame received (all of
    it by default; less keeps the server waiting on flow control)."""

    def __init__(self, settings: dict[int, int] | None = None) -> None:
        self._settings = settings or {}
        self.conn = H2Connection(H2Configuration(client_side=True, header_encoding="utf-8"))
        self._answers: dict[int, Answer] = {}
        self._window_open = asyncio.Event()
        self.pings = 0
        self.error: BaseException | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self, port: int) -> RawClient:
        self._r, self._w = await asyncio.open_connection("127.0.0.1", port)
        self.conn.initiate_connection()
        if self._settings:
            self.conn.update_settings(self._settings)
        self._flush()
        self._reader = asyncio.create_task(self._read())
        return self

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        self._w.close()

    async def call(
        self, path: str, message: bytes, metadata: Iterable[tuple[str, str]] = ()
    ) -> Answer:
        sid = self.conn.get_next_available_stream_id()
        answer = self._answers[sid] = Answer()
        headers = [(":method", "POST"), (":scheme", "http"), (":path", path)]
        headers += [(":authority", "test"), ("content-type", "application/grpc")]
        headers += [("te", "trailers"), *metadata]
        self.conn.send_headers(sid, headers)
        body = struct.pack(">BL", 0, len(message)) + message
        while body:
            room = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
            if room <= 0:
                self._window_open.clear()
                await self._window_open.wait()
                continue
            self.conn.send_data(sid, body[:room])
            body = body[room:]
            self._flush()
        self.conn.end_stream(sid)
        self._flush()
        await asyncio.wait_for(answer.done.wait(), 30)
        if self.error is not None:
            raise self.error
        return answer

    async def ping(self) -> None:
        self.conn.ping(b"8 bytes!")
        self._flush()

    async def _read(self) -> None:
        try:
            while data := await self._r.read(65536):
                for event in self.conn.receive_data(data):
                    self._on(event)
                self._flush()
        except Exception as exc:  # h2 refused what the server sent: every open call fails
            self.error = exc
        for answer in self._answers.values():
            answer.done.set()

    def _on(self, event: Any) -> None:
        answer = self._answers.get(getattr(event, "stream_id", 0) or 0)
        if isinstance(event, ResponseReceived) and answer is not None:
            answer.headers = dict(event.headers)
        elif isinstance(event, TrailersReceived) and answer is not None:
            answer.trailers = dict(event.headers)
        elif isinstance(event, DataReceived) and answer is not None:
            answer.body += event.data
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, StreamEnded | StreamReset) and answer is not None:
            answer.done.set()
        elif isinstance(event, WindowUpdated):
            self._window_open.set()
        elif isinstance(event, PingAckReceived):
            self.pings += 1

    def _flush(self) -> None:
        if data := self.conn.data_to_send():
            self._w.write(data)

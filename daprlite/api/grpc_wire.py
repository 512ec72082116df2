"""A small gRPC server on HTTP/2 (cleartext, unary calls) on the event loop itself: a call costs a
few dozen µs of CPU, where grpc.aio spends hundreds in its poller thread. HTTP/2 flow control,
SETTINGS/PING/GOAWAY/RST_STREAM, HPACK (`hpack` decodes), trailers, -bin metadata, gzip."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import logging
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, cast

from hpack.exceptions import HPACKError

from daprlite.api.grpc_headers import RequestHeaders
from daprlite.model.errors import ConfigError

log = logging.getLogger("daprlite.api.grpc")

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_FRAME = struct.Struct(">BHBBL")  # length split 8+16 bits, type, flags, stream id
_U32 = struct.Struct(">L")
_GRPC_PREFIX = struct.Struct(">BL")  # compressed flag, message length

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY = range(8)
WINDOW_UPDATE, CONTINUATION = 8, 9
END_STREAM = ACK = 0x1
END_HEADERS, PADDED, PRIORITY_FLAG = 0x4, 0x8, 0x20
NO_ERROR, PROTOCOL_ERROR, FLOW_CONTROL_ERROR, CANCEL = 0x0, 0x1, 0x3, 0x8
HEADER_TABLE_SIZE, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE = 0x1, 0x4, 0x5
_TABLE_SIZE_ZERO = b"\x20"  # an HPACK dynamic table size update to 0

# Our receive windows: large, so that a unary request never waits on a WINDOW_UPDATE; replenished
# once half is used.
RECEIVE_WINDOW = 1 << 24
DEFAULT_WINDOW = 65535
MAX_MESSAGE = 4 * 1024 * 1024  # gRPC's default receive limit

# gRPC status codes (google.rpc.Code).
OK, UNKNOWN, INTERNAL, UNIMPLEMENTED, RESOURCE_EXHAUSTED, CANCELLED = 0, 2, 13, 12, 8, 1


class GrpcError(Exception):
    """A call's failure: the status code, its message, and optionally a `google.rpc.Status`
    (serialised) for the `grpc-status-details-bin` trailer."""

    def __init__(self, code: int, message: str, details: bytes | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


@dataclass
class Call:
    """What a handler sees of one call: its method path and metadata, and the initial headers
    it may set before answering (sent even when it then fails)."""

    method: str
    metadata: tuple[tuple[str, str], ...]
    initial_metadata: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> list[str]:
        return [value for name, value in self.metadata if name == key]


Handler = Callable[[bytes, Call], Awaitable[bytes]]


class Service(Protocol):
    """Routes a method path: a handler for a served unary call, or a GrpcError to answer with
    at once (unknown methods, refused tokens, streaming RPCs)."""

    def route(self, method: str, call: Call) -> Handler | GrpcError: ...


# -- HPACK encoding: literal fields without indexing, so we keep no encoder table. --------------


def _hpack_int(value: int, prefix_bits: int, flags: int = 0) -> bytes:
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes((flags | value,))
    out = bytearray((flags | limit,))
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _literal(name: bytes, value: bytes) -> bytes:
    return b"\x00" + _hpack_int(len(name), 7) + name + _hpack_int(len(value), 7) + value


def encode_headers(pairs: Iterable[tuple[str, str]]) -> bytes:
    return b"".join(_literal(k.encode(), v.encode()) for k, v in pairs)


_STATUS_200 = b"\x88"  # the static table's ":status: 200"
_RESPONSE_HEAD = _STATUS_200 + encode_headers([("content-type", "application/grpc")])
_OK_TRAILERS = encode_headers([("grpc-status", "0")])


def _percent_encode(message: str) -> str:
    # gRPC's grpc-message: UTF-8, with bytes outside printable ASCII and '%' percent-encoded.
    raw = message.encode()
    if all(0x20 <= b <= 0x7E and b != 0x25 for b in raw):
        return message
    return "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x25 else f"%{b:02X}" for b in raw)


def status_headers(error: GrpcError) -> list[tuple[str, str]]:
    pairs = [("grpc-status", str(error.code)), ("grpc-message", _percent_encode(error.message))]
    if error.details is not None:
        encoded = base64.b64encode(error.details).rstrip(b"=").decode()
        pairs.append(("grpc-status-details-bin", encoded))
    return pairs


def frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    n = len(payload)
    return _FRAME.pack(n >> 16, n & 0xFFFF, kind, flags, stream_id) + payload


# -- One connection. ------------------------------------------------------------------------------


class _Stream:
    __slots__ = (
        "body",
        "call",
        "closed",
        "encoding",
        "handler",
        "id",
        "pending",
        "received",
        "send_window",
        "task",
    )

    def __init__(self, stream_id: int, call: Call, send_window: int) -> None:
        self.id = stream_id
        self.call = call
        self.handler: Handler | None = None
        self.encoding = "identity"
        self.body = bytearray()
        self.task: asyncio.Task[None] | None = None
        self.send_window = send_window
        self.pending = memoryview(b"")  # the response message still waiting on windows
        self.closed = False  # our side has ended
        self.received = 0  # bytes since our last stream WINDOW_UPDATE


class _ProtocolError(Exception):
    pass


class Connection(asyncio.Protocol):
    """The server side of one HTTP/2 connection: frames in, calls dispatched as tasks."""

    def __init__(self, service: Service, server: GrpcServer) -> None:
        self._service, self._server = service, server
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._preface_seen = False
        self._headers = RequestHeaders()
        self._streams: dict[int, _Stream] = {}
        self._blocked: dict[int, _Stream] = {}  # streams waiting on a WINDOW_UPDATE
        self._last_stream = 0
        self._send_window = DEFAULT_WINDOW  # the connection's, toward the peer
        self._peer_initial_window = DEFAULT_WINDOW
        self._peer_max_frame = 16384
        self._received = 0  # connection bytes since our last WINDOW_UPDATE
        self._headers_block: tuple[int, int, bytearray] | None = None  # stream, flags, fragments
        self._going_away = False
        self._table_update_due = False
        self._outgoing: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        self._server.connections.add(self)
        settings = struct.pack(">HL", INITIAL_WINDOW_SIZE, RECEIVE_WINDOW)
        grow = _U32.pack(RECEIVE_WINDOW - DEFAULT_WINDOW)
        transport.write(frame(SETTINGS, 0, 0, settings) + frame(WINDOW_UPDATE, 0, 0, grow))

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        for stream in self._streams.values():
            if stream.task is not None:
                stream.task.cancel()
        self._streams.clear()
        self._blocked.clear()
        self._server.stream_ended()

    def data_received(self, data: bytes) -> None:
        if self._buffer:
            self._buffer += data
            data = bytes(self._buffer)
            self._buffer.clear()
        if not self._preface_seen:
            if len(data) < len(PREFACE):
                self._buffer += data
                return
            if not data.startswith(PREFACE):
                self._abort(PROTOCOL_ERROR)
                return
            data, self._preface_seen = data[len(PREFACE) :], True
        offset, end = 0, len(data)
        try:
            while end - offset >= 9:
                high, low, kind, flags, stream_id = _FRAME.unpack_from(data, offset)
                length = (high << 16) | low
                if end - offset - 9 < length:
                    break
                payload = data[offset + 9 : offset + 9 + length]
                offset += 9 + length
                self._on_frame(kind, flags, stream_id & 0x7FFFFFFF, payload)
        except (_ProtocolError, HPACKError, UnicodeDecodeError, struct.error) as exc:
            log.debug("gRPC connection closed: %s", exc)
            self._abort(PROTOCOL_ERROR)
            return
        if offset < end:
            self._buffer += data[offset:]

    # frames in

    def _on_frame(self, kind: int, flags: int, stream_id: int, payload: bytes) -> None:
        if self._headers_block is not None and kind != CONTINUATION:
            raise _ProtocolError("expected CONTINUATION")
        if kind == DATA:
            self._on_data(flags, stream_id, payload)
        elif kind == HEADERS:
            self._on_headers(flags, stream_id, payload)
        elif kind == CONTINUATION:
            self._on_continuation(flags, stream_id, payload)
        elif kind == SETTINGS:
            if not flags & ACK:
                self._on_settings(payload)
        elif kind == PING:
            if not flags & ACK:
                self._write(frame(PING, ACK, 0, payload))
        elif kind == WINDOW_UPDATE:
            self._on_window_update(stream_id, payload)
        elif kind == RST_STREAM:
            stream = self._streams.pop(stream_id, None)
            self._blocked.pop(stream_id, None)
            if stream is not None and stream.task is not None:
                stream.task.cancel()
            self._server.stream_ended()
        elif kind == GOAWAY:
            self._going_away = True
            self._close_if_idle()
        elif kind == PUSH_PROMISE:
            raise _ProtocolError("a client may not push")
        # PRIORITY and unknown frame types are ignored, as HTTP/2 allows.

    def _on_settings(self, payload: bytes) -> None:
        for i in range(0, len(payload) - 5, 6):
            key, value = struct.unpack_from(">HL", payload, i)
            if key == INITIAL_WINDOW_SIZE:
                delta = value - self._peer_initial_window
                self._peer_initial_window = value
                for stream in self._streams.values():
                    stream.send_window += delta
            elif key == MAX_FRAME_SIZE:
                self._peer_max_frame = value
            elif key == HEADER_TABLE_SIZE and value < 4096:
                # We never index, but a decoder whose table shrank expects the encoder to say
                # so at the start of its next header block (RFC 7541 §4.2).
                self._table_update_due = True
        self._write(frame(SETTINGS, ACK, 0))
        self._flush_pending()

    def _on_window_update(self, stream_id: int, payload: bytes) -> None:
        increment = _U32.unpack(payload)[0] & 0x7FFFFFFF
        if stream_id == 0:
            self._send_window += increment
        elif (stream := self._streams.get(stream_id)) is not None:
            stream.send_window += increment
        self._flush_pending()

    def _on_headers(self, flags: int, stream_id: int, payload: bytes) -> None:
        if stream_id == 0 or stream_id % 2 == 0:
            raise _ProtocolError("bad stream id")
        start, stop = 0, len(payload)
        if flags & PADDED:
            start, stop = 1, stop - payload[0]
        if flags & PRIORITY_FLAG:
            start += 5
        block = payload[start:stop]
        if flags & END_HEADERS:
            self._on_header_block(stream_id, flags, block)
        else:
            self._headers_block = (stream_id, flags, bytearray(block))

    def _on_continuation(self, flags: int, stream_id: int, payload: bytes) -> None:
        if self._headers_block is None or self._headers_block[0] != stream_id:
            raise _ProtocolError("unexpected CONTINUATION")
        first_flags, block = self._headers_block[1], self._headers_block[2]
        block += payload
        if flags & END_HEADERS:
            self._headers_block = None
            self._on_header_block(stream_id, first_flags, bytes(block))

    def _on_header_block(self, stream_id: int, flags: int, block: bytes) -> None:
        # Every block goes through the decoder, even a stream's trailers: the table is shared.
        head = self._headers.decode(block)
        stream = self._streams.get(stream_id)
        if stream is not None:  # request trailers: nothing in them matters for a unary call
            if flags & END_STREAM:
                self._dispatch(stream)
            return
        if stream_id <= self._last_stream:
            return  # a stream we already closed
        self._last_stream = stream_id
        if self._going_away:
            self._write(frame(RST_STREAM, 0, stream_id, _U32.pack(CANCEL)))
            return
        path = head.path
        stream = _Stream(stream_id, Call(path, head.metadata), self._peer_initial_window)
        self._streams[stream_id] = stream
        self._server.stream_started()
        routed = self._service.route(path, stream.call)
        if isinstance(routed, GrpcError):
            # Answered before the request is read (streaming RPCs may never end their side).
            self._finish(stream, routed)
            if not flags & END_STREAM:
                self._write(frame(RST_STREAM, 0, stream_id, _U32.pack(NO_ERROR)))
            return
        stream.handler = routed
        stream.encoding = head.encoding
        if flags & END_STREAM:
            self._dispatch(stream)

    def _on_data(self, flags: int, stream_id: int, payload: bytes) -> None:
        size = len(payload)
        if flags & PADDED:
            payload = payload[1 : size - payload[0]]
        self._received += size
        if self._received >= RECEIVE_WINDOW // 2:
            self._write(frame(WINDOW_UPDATE, 0, 0, _U32.pack(self._received)))
            self._received = 0
        stream = self._streams.get(stream_id)
        if stream is None or stream.closed:
            return  # a stream we answered already (or reset): its data is dropped
        stream.body += payload
        if len(stream.body) > MAX_MESSAGE + 5:
            self._finish(stream, GrpcError(RESOURCE_EXHAUSTED, "request message too large"))
            self._write(frame(RST_STREAM, 0, stream_id, _U32.pack(NO_ERROR)))
            return
        stream.received += size
        if stream.received >= RECEIVE_WINDOW // 2 and not flags & END_STREAM:
            self._write(frame(WINDOW_UPDATE, 0, stream_id, _U32.pack(stream.received)))
            stream.received = 0
        if flags & END_STREAM:
            self._dispatch(stream)

    # calls

    def _dispatch(self, stream: _Stream) -> None:
        if stream.closed or stream.task is not None:
            return
        stream.task = self._loop.create_task(self._serve(stream))

    async def _serve(self, stream: _Stream) -> None:
        call, handler = stream.call, stream.handler
        assert handler is not None
        try:
            request = _unframe(bytes(stream.body), stream.encoding)
            response = await handler(request, call)
        except GrpcError as error:
            self._finish(stream, error)
        except asyncio.CancelledError:
            self._streams.pop(stream.id, None)
            self._server.stream_ended()
            raise
        except Exception as exc:
            log.exception("gRPC handler for %s failed", call.method)
            self._finish(stream, GrpcError(UNKNOWN, f"unexpected error: {exc}"))
        else:
            if self._streams.get(stream.id) is stream:  # not reset by the client meanwhile
                self._answer(stream, response)

    def _answer(self, stream: _Stream, message: bytes) -> None:
        head = _RESPONSE_HEAD
        if stream.call.initial_metadata:
            head += encode_headers(stream.call.initial_metadata)
        body = _GRPC_PREFIX.pack(0, len(message)) + message
        out = [self._headers_frames(stream.id, 0, head)]
        size = len(body)
        if (
            size <= self._peer_max_frame
            and size <= self._send_window
            and size <= stream.send_window
        ):
            # The common case, in one write: headers, the whole message, the trailers.
            self._send_window -= size
            stream.send_window -= size
            out.append(frame(DATA, 0, stream.id, body))
            out.append(self._headers_frames(stream.id, END_STREAM, _OK_TRAILERS))
            self._write(b"".join(out))
            self._close_stream(stream)
            return
        self._write(out[0])
        stream.pending = memoryview(body)  # the OK trailers follow once it is all sent
        self._blocked[stream.id] = stream
        self._flush_pending()

    def _finish(self, stream: _Stream, error: GrpcError) -> None:
        """End `stream` with `error`: trailers-only unless initial metadata must go first."""
        if self._streams.get(stream.id) is not stream:
            return  # reset by the client meanwhile
        if stream.call.initial_metadata:
            head = _RESPONSE_HEAD + encode_headers(stream.call.initial_metadata)
            trailers = encode_headers(status_headers(error))
            self._write(
                self._headers_frames(stream.id, 0, head)
                + self._headers_frames(stream.id, END_STREAM, trailers)
            )
        else:
            block = _RESPONSE_HEAD + encode_headers(status_headers(error))
            self._write(self._headers_frames(stream.id, END_STREAM, block))
        self._close_stream(stream)

    def _close_stream(self, stream: _Stream) -> None:
        stream.closed = True
        if self._streams.pop(stream.id, None) is not None:
            self._server.stream_ended()
        self._close_if_idle()

    def _flush_pending(self) -> None:
        for stream in list(self._blocked.values()):
            while stream.pending:
                if self._send_window <= 0:
                    return  # the connection's window is spent: every stream waits
                room = min(self._send_window, stream.send_window, self._peer_max_frame)
                if room <= 0:
                    break  # this stream's window is spent
                chunk = stream.pending[:room]
                self._send_window -= len(chunk)
                stream.send_window -= len(chunk)
                self._write(frame(DATA, 0, stream.id, bytes(chunk)))
                stream.pending = stream.pending[room:]
            if not stream.pending:
                del self._blocked[stream.id]
                self._write(self._headers_frames(stream.id, END_STREAM, _OK_TRAILERS))
                self._close_stream(stream)

    def _headers_frames(self, stream_id: int, flags: int, block: bytes) -> bytes:
        if self._table_update_due:
            block, self._table_update_due = _TABLE_SIZE_ZERO + block, False
        limit = self._peer_max_frame
        if len(block) <= limit:
            return frame(HEADERS, flags | END_HEADERS, stream_id, block)
        parts = [block[i : i + limit] for i in range(0, len(block), limit)]
        out = [frame(HEADERS, flags, stream_id, parts[0])]
        out += [frame(CONTINUATION, 0, stream_id, part) for part in parts[1:-1]]
        out.append(frame(CONTINUATION, END_HEADERS, stream_id, parts[-1]))
        return b"".join(out)

    # connection

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def go_away(self) -> None:
        """Refuse new streams; close once the open ones are answered."""
        if not self._going_away:
            self._going_away = True
            self._write(frame(GOAWAY, 0, 0, _U32.pack(self._last_stream) + _U32.pack(NO_ERROR)))
        self._close_if_idle()

    def close(self) -> None:
        self._close_transport()

    def _close_if_idle(self) -> None:
        if self._going_away and not self._streams:
            self._close_transport()

    def _abort(self, code: int) -> None:
        self._write(frame(GOAWAY, 0, 0, _U32.pack(self._last_stream) + _U32.pack(code)))
        self._close_transport()

    def _write(self, data: bytes) -> None:
        # Frames wait for the end of this loop iteration and go out in one write: calls that
        # finish together (a batch of Kafka acks) then cost one system call, not one each.
        if not self._outgoing:
            self._loop.call_soon(self._flush)
        self._outgoing.append(data)

    def _flush(self) -> None:
        if self._outgoing:
            data = b"".join(self._outgoing)
            self._outgoing.clear()
            if self._transport is not None and not self._transport.is_closing():
                self._transport.write(data)

    def _close_transport(self) -> None:
        self._flush()
        if self._transport is not None:
            self._transport.close()


def _unframe(body: bytes, encoding: str) -> bytes:
    """The one message of a unary request body (5-byte gRPC prefix, then the message)."""
    if not body:
        raise GrpcError(INTERNAL, "request has no message")
    if len(body) < 5:
        raise GrpcError(INTERNAL, "request message is cut short")
    compressed, length = _GRPC_PREFIX.unpack_from(body)
    message = body[5 : 5 + length]
    if len(message) != length or len(body) != 5 + length:
        raise GrpcError(INTERNAL, "a unary call carries exactly one message")
    if compressed:
        if encoding != "gzip":
            raise GrpcError(UNIMPLEMENTED, f"grpc-encoding {encoding} is not supported")
        message = zlib.decompress(message, wbits=31)
    return message


# -- The server. ----------------------------------------------------------------------------------


class GrpcServer:
    """The listening socket and its connections."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None
        self._open_streams = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def listen(self, host: str, port: int) -> int:
        """Bind (no SO_REUSEPORT: a busy port is an OSError) and return the real port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: Connection(self._service, self), host, port, reuse_port=False
        )
        return int(self._server.sockets[0].getsockname()[1])

    def stream_started(self) -> None:
        self._open_streams += 1
        self._idle.clear()

    def stream_ended(self) -> None:
        self._open_streams = sum(c.open_streams for c in self.connections)
        if self._open_streams == 0:
            self._idle.set()

    async def stop(self, grace: float | None = None) -> None:
        """Stop accepting; let open calls finish for up to `grace` seconds; close."""
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.go_away()
        if grace:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
        for connection in list(self.connections):
            connection.close()
        if self._server is not None:
            await self._server.wait_closed()


async def serve(service: Service, port: int) -> tuple[GrpcServer, int]:
    """Serve `service` on 127.0.0.1:`port` (0: any free port); the server and its real port."""
    server = GrpcServer(service)
    try:
        bound = await server.listen("127.0.0.1", port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise ConfigError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc
        raise ConfigError(
            f"port {port} is already in use on 127.0.0.1; pick another --dapr-grpc-port or "
            "leave the flag out to get a free one"
        ) from exc
    log.info("API gRPC server is running on port %d", bound)
    return server, bound

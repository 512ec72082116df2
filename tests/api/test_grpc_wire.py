"""The own HTTP/2 gRPC server (api/grpc_wire.py) against the real grpcio client: flow control,
compression, metadata, status encoding, cancellation, graceful stop and HPACK table changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import grpc
import pytest
from h2.settings import SettingCodes

from daprlite.api.grpc_wire import Call, GrpcError, GrpcServer, Handler
from tests.support.h2_client import RawClient
from tests.support.wait import eventually

ECHO = "/test.Echo/Echo"
HANG = "/test.Echo/Hang"
FAILURE = "naïve 100% «wrong»\nsecond line"  # grpc-message is percent-encoded UTF-8


class EchoService:
    """Echo answers with the request (times `repeat`, a metadata key); Hang waits for release."""

    def __init__(self) -> None:
        self.seen: list[tuple[tuple[str, str], ...]] = []
        self.release = asyncio.Event()
        self.cancelled = 0
        self.hanging = 0

    def route(self, method: str, call: Call) -> Handler | GrpcError:
        if method == ECHO:
            return self.echo
        if method == HANG:
            return self.hang
        return GrpcError(12, f"unknown method {method}")

    async def echo(self, request: bytes, call: Call) -> bytes:
        self.seen.append(call.metadata)
        if call.get("fail"):
            raise GrpcError(9, FAILURE, details=b"\x00\x01binary\xff")
        call.initial_metadata = (("x-echoed", str(len(request))),)
        return request * int((call.get("repeat") or ["1"])[0])

    async def hang(self, request: bytes, call: Call) -> bytes:
        self.hanging += 1
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return b"released"


Served = tuple[EchoService, GrpcServer, int]


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    service = EchoService()
    server = GrpcServer(service)
    port = await server.listen("127.0.0.1", 0)
    try:
        yield service, server, port
    finally:
        await server.stop(None)


def method(channel: grpc.aio.Channel, path: str) -> Callable[..., grpc.aio.UnaryUnaryCall]:
    return channel.unary_unary(path)  # raw bytes in and out


async def test_large_messages_cross_flow_control_both_ways(served: Served) -> None:
    _, _, port = served
    # BDP probing off: the client keeps HTTP/2's 64 KiB windows, so a 3 MiB answer must wait
    # for its WINDOW_UPDATEs; several at once share the connection's window.
    options = [("grpc.http2.bdp_probe", 0), ("grpc.max_receive_message_length", 16 << 20)]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=options) as channel:
        echo = method(channel, ECHO)
        big = bytes(range(256)) * 4096  # 1 MiB
        answers = await asyncio.gather(
            *(echo(big, metadata=(("repeat", "3"),)) for _ in range(4)),
            echo(big * 3),
        )
        # More than our 16 MiB connection window, one after the other: it must be given back.
        for _ in range(6):
            assert len(await echo(big * 3, metadata=(("repeat", "0"),), timeout=20)) == 0
    assert all(answer == big * 3 for answer in answers)


async def test_gzip_request_and_metadata(served: Served) -> None:
    service, _, port = served
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = method(channel, ECHO)(
            b"z" * 10000,
            compression=grpc.Compression.Gzip,
            metadata=(("traceparent", "00-abc-def-01"), ("blob-bin", b"\x00\xffraw")),
        )
        assert await call == b"z" * 10000
        assert ("x-echoed", "10000") in tuple(await call.initial_metadata())
    metadata = dict(service.seen[-1])
    assert metadata["traceparent"] == "00-abc-def-01"
    assert metadata["blob-bin"] == "\x00\xffraw"  # decoded, each byte one Latin-1 character
    assert "te" not in metadata and "content-type" not in metadata


async def test_error_message_and_details_survive_encoding(served: Served) -> None:
    _, _, port = served
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await method(channel, ECHO)(b"", metadata=(("fail", "yes"),))
        with pytest.raises(grpc.aio.AioRpcError) as unknown:
            await method(channel, "/test.Echo/Nope")(b"")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == FAILURE
    trailers = dict(caught.value.trailing_metadata() or ())
    assert trailers["grpc-status-details-bin"] == b"\x00\x01binary\xff"
    assert unknown.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_a_call_past_its_deadline_cancels_the_handler(served: Served) -> None:
    service, _, port = served
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await method(channel, HANG)(b"", timeout=0.3)
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        await eventually(lambda: service.cancelled == 1, "the handler to be cancelled")
        # The connection is still good for the next call.
        assert await method(channel, ECHO)(b"after") == b"after"


async def test_stop_lets_open_calls_finish_and_refuses_new_ones(served: Served) -> None:
    service, server, port = served
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        hung = asyncio.ensure_future(method(channel, HANG)(b""))
        await eventually(lambda: service.hanging == 1, "the call to reach its handler")
        stopping = asyncio.ensure_future(server.stop(grace=10))
        await asyncio.sleep(0)
        service.release.set()
        assert await hung == b"released"
        await asyncio.wait_for(stopping, 10)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await method(channel, ECHO)(b"late", timeout=2)
    assert caught.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


@pytest.mark.parametrize("table_size", [0, 4096])
async def test_metadata_stays_right_as_the_hpack_table_moves(
    served: Served, table_size: int
) -> None:
    # Repeated blocks are remembered while the client's table is unchanged; values that change
    # call by call (indexed anew, evicting others) must never be answered from that memory.
    service, _, port = served
    options = [("grpc.http2.hpack_table_size.decoder", table_size)]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=options) as channel:
        echo = method(channel, ECHO)
        for n in range(60):
            varying = (("x-n", str(n % 7)), ("x-pad", "p" * (n % 5) * 50))
            await echo(b"", metadata=(("x-fixed", "same"), *varying))
            await echo(b"", metadata=(("x-fixed", "same"),))
    for n in range(60):
        first, second = dict(service.seen[2 * n]), dict(service.seen[2 * n + 1])
        assert (first["x-n"], first["x-pad"]) == (str(n % 7), "p" * (n % 5) * 50)
        assert "x-n" not in second and second["x-fixed"] == "same"


async def test_busy_port_is_an_os_error(served: Served) -> None:
    _, _, port = served
    with pytest.raises(OSError, match="in use"):
        await GrpcServer(EchoService()).listen("127.0.0.1", port)


async def test_answers_keep_to_the_clients_windows_and_frame_size(served: Served) -> None:
    # h2 fails the connection on any DATA beyond its 64 KiB windows or 16 KiB frames.
    _, _, port = served
    client = await RawClient().open(port)
    try:
        big = bytes(range(256)) * 1024  # 256 KiB
        answers = await asyncio.gather(
            *(client.call(ECHO, big, metadata=(("repeat", "3"),)) for _ in range(4)),
            client.call(ECHO, big * 4),
        )
        await client.ping()
        await eventually(lambda: client.pings == 1, "the PING to be acknowledged")
    finally:
        await client.close()
    assert [a.status for a in answers] == [0] * 5
    assert all(a.message == big * 3 for a in answers[:4]) and answers[4].message == big * 4


async def test_header_blocks_are_read_right_while_the_table_moves(served: Served) -> None:
    # h2's encoder indexes every header. Each value is sent twice: first as a new entry, then
    # as "the newest entry", so every second call sends the very same bytes, each time for
    # another value; a remembered block must not outlive the table it was read with. Long
    # values past the table's size also make entries fall out.
    service, _, port = served
    client = await RawClient().open(port)
    sent = []
    try:
        for n in range(60):
            metadata = (("x-n", str(n // 2) * (1 + 1500 * (n % 7 == 0))),)
            sent.append(metadata)
            assert (await client.call(ECHO, b"", metadata=metadata)).status == 0
    finally:
        await client.close()
    assert [dict(seen) for seen in service.seen] == [dict(m) for m in sent]


async def test_a_client_without_a_header_table_is_told_so(served: Served) -> None:
    # With HEADER_TABLE_SIZE 0 from the client, our next block must start with a size update.
    _, _, port = served
    client = await RawClient({SettingCodes.HEADER_TABLE_SIZE: 0}).open(port)
    try:
        answer = await client.call(ECHO, b"hi")
    finally:
        await client.close()
    assert answer.message == b"hi" and answer.headers["x-echoed"] == "2"

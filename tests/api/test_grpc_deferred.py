"""The gRPC API's deferred service: calls that come before the Dapr service is built wait for
it, then are routed as usual; afterwards calls go straight to it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from daprlite.api.grpc_deferred import DeferredService
from daprlite.api.grpc_wire import Call, GrpcError, Handler

DEADLINE = 10.0
UNIMPLEMENTED = 12


class Echo:
    """A built service: `/Echo` answers with what it got; anything else is unimplemented."""

    def route(self, method: str, call: Call) -> Handler | GrpcError:
        if method != "/Echo":
            return GrpcError(UNIMPLEMENTED, f"unknown method {method}")

        async def echo(raw: bytes, _call: Call) -> bytes:
            return b"echo:" + raw

        return echo


def call() -> Call:
    return Call("/Echo", ())


async def test_calls_before_the_build_wait_and_are_then_answered() -> None:
    release = threading.Event()

    def build() -> Echo:
        release.wait(DEADLINE)  # the imports, still going on a worker thread
        return Echo()

    deferred = DeferredService(build)
    early = deferred.route("/Echo", call())
    refused = deferred.route("/Nope", call())
    assert not isinstance(early, GrpcError) and not isinstance(refused, GrpcError)
    answer = asyncio.ensure_future(early(b"1", call()))  # routed while the build is blocked
    release.set()
    async with asyncio.timeout(DEADLINE):
        assert await answer == b"echo:1"
        with pytest.raises(GrpcError, match="unknown method /Nope"):
            await refused(b"", call())
        await deferred.ready()
    # Built: routes come straight from the service, refusals included.
    later = deferred.route("/Nope", call())
    assert isinstance(later, GrpcError) and later.code == UNIMPLEMENTED


async def test_a_failed_build_fails_the_calls_that_waited() -> None:
    def build() -> Echo:
        raise ImportError("no protobuf")

    deferred = DeferredService(build)
    waiting = deferred.route("/Echo", call())
    assert not isinstance(waiting, GrpcError)
    async with asyncio.timeout(DEADLINE):
        with pytest.raises(ImportError, match="no protobuf"):
            await waiting(b"", call())

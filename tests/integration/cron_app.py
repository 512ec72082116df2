"""Real apps for cron tests, in process: an HTTP app (any route; answers OPTIONS and POST as the
test says; can go down and come back on its port) and a gRPC app (Dapr's AppCallback)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import grpc
from aiohttp import web
from dapr.proto.runtime.v1 import appcallback_pb2, appcallback_pb2_grpc
from google.protobuf import empty_pb2


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class TickApp:
    options_status: int = 200
    post_status: int = 200
    # When given, the only routes the app handles: OPTIONS elsewhere answers 404 (the go-sdk
    # service of the certification tests does that).
    routes: set[str] | None = None
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    def posts(self, path: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and path in (None, r.path)]

    def probes(self) -> list[Request]:
        return [r for r in self.requests if r.method == "OPTIONS"]

    async def start(self) -> None:
        """Listen (again, on the same port once it had one)."""
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._on_request)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_request(self, request: web.Request) -> web.Response:
        if request.method == "GET" and request.path == "/dapr/config":
            return web.Response(status=404)  # the sidecar's start-up ask; no Dapr config here
        body = await request.read()
        self.requests.append(Request(request.method, request.path, dict(request.headers), body))
        status = self.options_status if request.method == "OPTIONS" else self.post_status
        if request.method == "OPTIONS" and self.routes is not None:
            status = 200 if request.path in self.routes else 404
        return web.Response(status=status)


class _Callback(appcallback_pb2_grpc.AppCallbackServicer):
    def __init__(self, bindings: Sequence[str]) -> None:
        self.bindings = list(bindings)
        self.events: list[appcallback_pb2.BindingEventRequest] = []

    async def ListInputBindings(self, request: empty_pb2.Empty, context: object) -> object:
        return appcallback_pb2.ListInputBindingsResponse(bindings=self.bindings)

    async def OnBindingEvent(
        self, request: appcallback_pb2.BindingEventRequest, context: object
    ) -> object:
        self.events.append(request)
        return appcallback_pb2.BindingEventResponse()


@dataclass
class GrpcTickApp:
    bindings: Sequence[str]
    port: int = 0
    callback: _Callback | None = None
    _server: grpc.aio.Server | None = None

    @property
    def events(self) -> list[appcallback_pb2.BindingEventRequest]:
        assert self.callback is not None
        return self.callback.events

    async def start(self) -> None:
        self.callback = _Callback(self.bindings)
        self._server = grpc.aio.server()
        appcallback_pb2_grpc.add_AppCallbackServicer_to_server(self.callback, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=0)


async def wait_until(
    condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {timeout}s"
        await asyncio.sleep(0.01)

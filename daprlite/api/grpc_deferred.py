"""The gRPC API's port opens before its protobuf messages are loaded; a call that comes first
waits for them.

Why: the `dapr` wheel's `dapr/proto/__init__.py` imports grpcio, the SDK's settings and every
Dapr proto module (~100 ms on an idle machine, more on a busy one), all before the sidecar could
say it is ready. The wire server needs none of it to listen, so the messages load on a worker
thread while start-up goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from daprlite.api.grpc_wire import Call, GrpcError, Handler, Service


class DeferredService:
    """Routes as the service `build` returns (called on a worker thread) once it is there."""

    def __init__(self, build: Callable[[], Service]) -> None:
        self._service: Service | None = None
        self._building = asyncio.get_running_loop().run_in_executor(None, build)
        self._building.add_done_callback(self._built)

    def _built(self, building: asyncio.Future[Service]) -> None:
        if not building.cancelled() and building.exception() is None:
            self._service = building.result()

    async def ready(self) -> Service:
        """The service, once built (raises what building it raised)."""
        return await asyncio.shield(self._building)

    def route(self, method: str, call: Call) -> Handler | GrpcError:
        if self._service is not None:
            return self._service.route(method, call)

        async def once_built(raw: bytes, later_call: Call) -> bytes:
            found = (await self.ready()).route(method, later_call)
            if isinstance(found, GrpcError):
                raise found
            return await found(raw, later_call)

        return once_built

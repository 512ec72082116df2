"""daprlite's HTTP and gRPC APIs in process over a real bindings.postgresql instance, and the
official Python SDK pointed at them: what the PostgreSQL API and conformance tests share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from dapr.clients import DaprClient
from dapr.conf import settings

from daprlite.api.core import DaprAPI
from daprlite.api.grpc import start_grpc_server
from daprlite.bindings.registry import BindingRegistry
from daprlite.components.loader import load_components
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.runtime.processor import init_bindings
from tests.support.http_api import APIClient

NAME = "pg"


@dataclass
class PgSidecar:
    http_port: int
    grpc_port: int
    session: aiohttp.ClientSession
    store: CompStore

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    async def post(self, body: dict[str, Any], name: str = NAME) -> aiohttp.ClientResponse:
        response = await self.session.post(self.url(f"/v1.0/bindings/{name}"), json=body)
        await response.read()
        return response

    async def sdk(self, work: Callable[[DaprClient], Any]) -> Any:
        """Run the blocking SDK on a thread so that our servers on this loop can answer it."""

        def call() -> Any:
            with DaprClient(address=f"127.0.0.1:{self.grpc_port}") as client:
                return work(client)

        return await asyncio.wait_for(asyncio.to_thread(call), timeout=30)


@asynccontextmanager
async def pg_sidecar(
    metadata: dict[str, str], type_name: str = "bindings.postgresql"
) -> AsyncIterator[PgSidecar]:
    """A binding created through the registry (as `daprlite run` creates it) behind both APIs."""
    component = Component(NAME, type_name, "v1", metadata, Path("pg.yaml"), 1)
    binding = BindingRegistry().create_output(type_name)
    await binding.init(component)
    store = CompStore(components=[component], outputs={NAME: binding})
    async with _serve(store) as running:
        yield running


@asynccontextmanager
async def sidecar_from_resources(folder: Path) -> AsyncIterator[PgSidecar]:
    """The components of a resources folder, loaded and initialised as `daprlite run` does."""
    registry = BindingRegistry()
    store = CompStore()
    await init_bindings(load_components([folder], catalogue=registry), registry, store)
    async with _serve(store) as running:
        yield running


@asynccontextmanager
async def _serve(store: CompStore) -> AsyncIterator[PgSidecar]:
    api = DaprAPI(RunConfig("pg-app"), store, Readiness(outbound_ready=True, app_ready=True))
    grpc_server, grpc_port = await start_grpc_server(api, 0)
    http = APIClient(api)
    await http.start_server()
    # The SDK reads its settings once at import; its health probe goes to our HTTP API.
    saved = (settings.DAPR_HTTP_PORT, settings.DAPR_RUNTIME_HOST, settings.DAPR_HEALTH_TIMEOUT)
    settings.DAPR_HTTP_PORT, settings.DAPR_RUNTIME_HOST = http.port, "127.0.0.1"
    settings.DAPR_HEALTH_TIMEOUT = 10
    try:
        async with aiohttp.ClientSession() as session:
            yield PgSidecar(http.port or 0, grpc_port, session, store)
    finally:
        settings.DAPR_HTTP_PORT, settings.DAPR_RUNTIME_HOST, settings.DAPR_HEALTH_TIMEOUT = saved
        await http.close()
        await grpc_server.stop(None)
        for binding in store.outputs.values():
            await binding.close()

"""A real daprlite sidecar in this process with one `bindings.http` component, and the two ways
apps reach it: the HTTP API (`POST /v1.0/bindings/<name>`) and gRPC through the official SDK."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from dapr.clients import DaprClient
from dapr.conf import settings

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar

T = TypeVar("T")
DEADLINE = 30.0


def component_yaml(name: str, metadata: Mapping[str, str]) -> str:
    entries = "".join(
        f"  - name: {key}\n    value: {json.dumps(value)}\n" for key, value in metadata.items()
    )
    return (
        "apiVersion: dapr.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\n  namespace: default\n"
        f"spec:\n  type: bindings.http\n  version: v1\n  metadata:\n{entries}"
    )


@dataclass
class Reply:
    """One HTTP API answer: status, body, and the `Metadata.*` headers (canonical names)."""

    status: int
    body: bytes
    metadata_headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RunningSidecar:
    sidecar: Sidecar
    name: str

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.sidecar.http_port}/v1.0/bindings/{self.name}"

    async def post(self, body: Mapping[str, Any]) -> Reply:
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.http_url, json=body) as response,
        ):
            headers = {k: v for k, v in response.headers.items() if k.startswith("Metadata.")}
            return Reply(response.status, await response.read(), headers)

    async def sdk(self, work: Callable[[DaprClient], T]) -> T:
        """Run blocking SDK calls in a thread, so that the sidecar on this loop can answer."""

        def call() -> T:
            with DaprClient(address=f"127.0.0.1:{self.sidecar.grpc_port}") as client:
                return work(client)

        return await asyncio.wait_for(asyncio.to_thread(call), DEADLINE)


@asynccontextmanager
async def http_sidecar(
    folder: Path, metadata: Mapping[str, str], name: str = "call"
) -> AsyncIterator[RunningSidecar]:
    components = folder / "components"
    components.mkdir(parents=True, exist_ok=True)
    (components / f"{name}.yaml").write_text(component_yaml(name, metadata))
    config = RunConfig(app_id="http-app", components_paths=(components,), shutdown_grace=2.0)
    sidecar = Sidecar(config, printer=Printer(io.StringIO()), status=io.StringIO())
    running = asyncio.create_task(sidecar.run())
    ready = asyncio.create_task(sidecar.ready.wait())
    await asyncio.wait({running, ready}, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED)
    if not sidecar.ready.is_set():
        ready.cancel()
        outcome = running.result() if running.done() else "still starting"
        raise RuntimeError(f"the sidecar did not start: {outcome}")
    try:
        yield RunningSidecar(sidecar, name)
    finally:
        sidecar.request_stop()
        assert await asyncio.wait_for(running, DEADLINE) == 0


def point_sdk_at(running: RunningSidecar, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK probes the sidecar's HTTP port before its first call; it reads the port from
    its settings, which it loads once at import."""
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", running.sidecar.http_port)
    monkeypatch.setattr(settings, "DAPR_RUNTIME_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "DAPR_HEALTH_TIMEOUT", 10)

"""A real daprlite sidecar in this process with one bindings.localstorage component, and the
two clients an app would use on it: HTTP (`POST /v1.0/bindings/<name>`) and the official
Python SDK's gRPC `DaprClient.invoke_binding`.
"""

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
import grpc
import pytest
from dapr.clients import DaprClient
from dapr.clients.grpc._response import BindingResponse
from dapr.conf import settings

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar

NAME = "files"
DEADLINE = 30.0
T = TypeVar("T")


def component_yaml(root_path: str, name: str = NAME) -> str:
    return f"""apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: bindings.localstorage
  version: v1
  metadata:
  - name: rootPath
    value: {json.dumps(root_path)}
"""


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class GrpcFailure:
    code: grpc.StatusCode
    details: str


@dataclass
class Running:
    sidecar: Sidecar
    session: aiohttp.ClientSession
    name: str = NAME

    async def http(
        self,
        operation: str,
        metadata: Mapping[str, str] | None = None,
        data: Any = ...,
        *,
        raw: str | None = None,
    ) -> HttpReply:
        """POST a binding request; `data` is sent as JSON (left out when not given)."""
        if raw is None:
            body: dict[str, Any] = {"operation": operation}
            if metadata is not None:
                body["metadata"] = dict(metadata)
            if data is not ...:
                body["data"] = data
            raw = json.dumps(body)
        url = f"http://127.0.0.1:{self.sidecar.http_port}/v1.0/bindings/{self.name}"
        async with self.session.post(url, data=raw) as response:
            return HttpReply(response.status, await response.read(), dict(response.headers))

    async def grpc(
        self, operation: str, metadata: Mapping[str, str] | None = None, data: bytes | str = b""
    ) -> BindingResponse | GrpcFailure:
        """One `invoke_binding` through the SDK; a failed call comes back as GrpcFailure."""

        def call(client: DaprClient) -> BindingResponse | GrpcFailure:
            try:
                return client.invoke_binding(self.name, operation, data, dict(metadata or {}))
            except grpc.RpcError as exc:
                return GrpcFailure(exc.code(), exc.details())  # type: ignore[attr-defined]

        return await self.sdk(call)

    async def sdk(self, work: Callable[[DaprClient], T]) -> T:
        """Run blocking SDK work in a thread, so this loop's sidecar can answer it."""
        port = self.sidecar.grpc_port

        def run() -> T:
            with DaprClient(address=f"127.0.0.1:{port}") as client:
                return work(client)

        return await asyncio.wait_for(asyncio.to_thread(run), DEADLINE)


@asynccontextmanager
async def running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_path: str, name: str = NAME
) -> AsyncIterator[Running]:
    """A started sidecar (no app) whose resources folder holds one localstorage component."""
    folder = tmp_path / "components"
    folder.mkdir(exist_ok=True)
    (folder / "localstorage.yaml").write_text(component_yaml(root_path, name))
    sidecar = Sidecar(
        RunConfig("localstorage-app", components_paths=(folder,)),
        printer=Printer(io.StringIO()),
        status=io.StringIO(),
    )
    task = asyncio.create_task(sidecar.run())
    ready = asyncio.create_task(sidecar.ready.wait())
    await asyncio.wait({task, ready}, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED)
    if not sidecar.ready.is_set():
        ready.cancel()
        sidecar.request_stop()
        await task  # raises the start-up error, if that is what ended it
        raise AssertionError("the sidecar did not start in time")
    # The SDK probes the HTTP API's /v1.0/healthz/outbound before its first gRPC call.
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", sidecar.http_port)
    monkeypatch.setattr(settings, "DAPR_RUNTIME_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "DAPR_HEALTH_TIMEOUT", 10)
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(sidecar, session, name)
    finally:
        sidecar.request_stop()
        await asyncio.wait_for(task, DEADLINE)


def error_json(name: str, message: str) -> dict[str, str]:
    """daprd's body for a failed output binding call (HTTP 500)."""
    return {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": f"error invoking output binding {name}: {message}",
    }

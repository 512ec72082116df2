"""A real daprlite sidecar in this process with bindings.mqtt3 components, the two clients an app
would use on it (HTTP and the official SDK's gRPC `invoke_binding`), and a plain MQTT client
that watches or feeds the broker from the outside.
"""

from __future__ import annotations

import asyncio
import io
import json
import queue
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import paho.mqtt.client as paho
import pytest
from dapr.clients import DaprClient
from dapr.clients.grpc._response import BindingResponse
from dapr.conf import settings
from paho.mqtt.enums import CallbackAPIVersion

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar

NAME = "mqtt"
DEADLINE = 30.0


def component_yaml(
    name: str, metadata: Mapping[str, str], type_name: str = "bindings.mqtt3"
) -> str:
    lines = [
        "apiVersion: dapr.io/v1alpha1",
        "kind: Component",
        "metadata:",
        f"  name: {name}",
        "spec:",
        f"  type: {type_name}",
        "  version: v1",
        "  metadata:",
    ]
    for key, value in metadata.items():
        lines += [f"  - name: {key}", f"    value: {json.dumps(value)}"]
    return "\n".join(lines) + "\n"


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


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
        self, operation: str, data: Any = ..., metadata: Mapping[str, str] | None = None
    ) -> HttpReply:
        body: dict[str, Any] = {"operation": operation}
        if data is not ...:
            body["data"] = data
        if metadata is not None:
            body["metadata"] = dict(metadata)
        url = f"http://127.0.0.1:{self.sidecar.http_port}/v1.0/bindings/{self.name}"
        async with self.session.post(url, json=body) as response:
            return HttpReply(response.status, await response.read(), dict(response.headers))

    async def grpc(
        self, operation: str, data: bytes | str = b"", metadata: Mapping[str, str] | None = None
    ) -> BindingResponse | GrpcFailure:
        port = self.sidecar.grpc_port

        def call() -> BindingResponse | GrpcFailure:
            with DaprClient(address=f"127.0.0.1:{port}") as client:
                try:
                    return client.invoke_binding(self.name, operation, data, dict(metadata or {}))
                except grpc.RpcError as exc:
                    return GrpcFailure(exc.code(), exc.details())  # type: ignore[attr-defined]

        return await asyncio.wait_for(asyncio.to_thread(call), DEADLINE * 2)

    async def metadata(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.sidecar.http_port}/v1.0/metadata"
        async with self.session.get(url) as response:
            assert response.status == 200
            found: dict[str, Any] = await response.json()
            return found

    async def input_status(self, name: str | None = None) -> dict[str, Any]:
        """This component's entry under daprlite.inputBindings in /v1.0/metadata."""
        name = name or self.name
        entries = (await self.metadata()).get("daprlite", {}).get("inputBindings", [])
        for entry in entries:
            if entry.get("name") == name:
                found: dict[str, Any] = entry
                return found
        raise AssertionError(f"no input status for {name} in {entries}")


def write_components(folder: Path, components: Mapping[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, text in components.items():
        (folder / f"{stem}.yaml").write_text(text)


@asynccontextmanager
async def running(
    folder: Path,
    components: Mapping[str, str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    app_port: int | None = None,
    app_protocol: str = "http",
    name: str = NAME,
) -> AsyncIterator[Running]:
    """A started sidecar whose resources folder holds `components` (file stem -> YAML)."""
    await asyncio.to_thread(write_components, folder, components)
    config = RunConfig(
        "mqttapp",
        app_port=app_port,
        app_protocol=app_protocol,  # type: ignore[arg-type]
        components_paths=(folder,),
    )
    sidecar = Sidecar(config, printer=Printer(io.StringIO()), status=io.StringIO())
    task = asyncio.create_task(sidecar.run())
    ready = asyncio.create_task(sidecar.ready.wait())
    await asyncio.wait({task, ready}, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED)
    if not sidecar.ready.is_set():
        ready.cancel()
        sidecar.request_stop()
        await task
        raise AssertionError("the sidecar did not start in time")
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", sidecar.http_port)
    monkeypatch.setattr(settings, "DAPR_RUNTIME_HOST", "127.0.0.1")
    monkeypatch.setattr(settings, "DAPR_HEALTH_TIMEOUT", 10)
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(sidecar, session, name)
    finally:
        sidecar.request_stop()
        assert await asyncio.wait_for(task, DEADLINE) == 0


@dataclass
class Watcher:
    """A plain paho client outside daprlite: subscribes to `topic` and records what arrives,
    or publishes with QoS 1."""

    host: str
    port: int
    topic: str | None = None
    messages: queue.SimpleQueue[paho.MQTTMessage] = field(default_factory=queue.SimpleQueue)
    _client: paho.Client | None = None

    def __enter__(self) -> Watcher:
        subscribed = queue.SimpleQueue[bool]()
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=unique("watcher"))
        client.on_message = lambda _c, _u, message: self.messages.put(message)
        client.on_subscribe = lambda *_args: subscribed.put(True)
        client.connect(self.host, self.port)
        client.loop_start()
        self._client = client
        if self.topic is not None:
            client.subscribe(self.topic, qos=1)
            subscribed.get(timeout=DEADLINE)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._client is not None
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        assert self._client is not None
        self._client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(DEADLINE)

    def next(self, timeout: float = DEADLINE) -> paho.MQTTMessage:
        return self.messages.get(timeout=timeout)

    async def next_async(self, timeout: float = DEADLINE) -> paho.MQTTMessage:
        return await asyncio.to_thread(self.next, timeout)

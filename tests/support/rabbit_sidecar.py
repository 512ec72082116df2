"""An in-process daprlite sidecar over bindings.rabbitmq components, a real HTTP app it
delivers to, the official Python SDK pointed at it, and a direct AMQP peek at the broker: what
the RabbitMQ conformance and integration tests share."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
from aiohttp import web
from dapr.clients import DaprClient
from dapr.conf import settings

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.support.rabbitmq import RabbitServer
from tests.support.wait import eventually


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class QueueApp:
    """An HTTP app that records each POST; `status(call_number)` decides its answer."""

    status: Callable[[int], int] = lambda _n: 200
    deliveries: list[Delivery] = field(default_factory=list)
    calls: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    def bodies(self, path: str | None = None) -> list[bytes]:
        return [d.body for d in self.deliveries if path in (None, d.path)]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._on_request)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_request(self, request: web.Request) -> web.Response:
        if request.method == "OPTIONS":
            return web.Response(status=200)
        if request.method == "GET" and request.path == "/dapr/config":
            return web.Response(status=404)  # the sidecar's start-up ask; no Dapr config here
        body = await request.read()
        self.calls += 1
        status = self.status(self.calls)
        if 200 <= status < 300:
            self.deliveries.append(Delivery(request.path, dict(request.headers), body))
        return web.Response(status=status)


def periodic_error(every: int = 10) -> Callable[[int], int]:
    """components-contrib's simulate.PeriodicError: calls 1, 2 and every `every`th fail."""
    return lambda n: 500 if n in (1, 2) or n % every == 0 else 200


def unique(name: str) -> str:
    """A queue name no other test of the session uses."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def rabbit_component(name: str, server: RabbitServer, queue: str, **metadata: str) -> str:
    """A bindings.rabbitmq component file named `name` on `queue`; `metadata` adds items."""
    items = {"host": server.url(), "queueName": queue, **metadata}
    lines = [
        "apiVersion: dapr.io/v1alpha1",
        "kind: Component",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  type: bindings.rabbitmq",
        "  version: v1",
        "  metadata:",
    ]
    for key, value in items.items():
        # A JSON string is a YAML double-quoted scalar: any value stays a string.
        lines += [f"    - name: {key}", f"      value: {json.dumps(value)}"]
    return "\n".join(lines) + "\n"


def component_yaml(template: str, server: RabbitServer, queue: str | None = None) -> str:
    """An upstream component file pointed at the test server (and, if given, at `queue`)."""
    text = template.replace("amqp://test:test@localhost:5672", server.url())
    text = text.replace("amqp://localhost:5672", server.url())
    if queue is not None:
        lines = text.splitlines()
        for n, line in enumerate(lines):
            if line.strip() == "- name: queueName":
                indent = lines[n + 1][: len(lines[n + 1]) - len(lines[n + 1].lstrip())]
                lines[n + 1] = f'{indent}value: "{queue}"'
        text = "\n".join(lines) + "\n"
    return text


@dataclass
class RabbitSidecar:
    sidecar: Sidecar
    session: aiohttp.ClientSession

    @property
    def http_port(self) -> int:
        return self.sidecar.http_port

    @property
    def grpc_port(self) -> int:
        return self.sidecar.grpc_port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"

    async def post(self, name: str, body: Mapping[str, Any]) -> tuple[int, dict[str, str], bytes]:
        async with self.session.post(self.url(f"/v1.0/bindings/{name}"), json=body) as response:
            return response.status, dict(response.headers), await response.read()

    async def sdk(self, work: Callable[[DaprClient], Any]) -> Any:
        """Run the blocking SDK on a thread so that the servers on this loop can answer it."""

        def call() -> Any:
            with DaprClient(address=f"127.0.0.1:{self.grpc_port}") as client:
                return work(client)

        return await asyncio.wait_for(asyncio.to_thread(call), timeout=60)


def write_files(folder: Path, files: Mapping[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)


@asynccontextmanager
async def rabbit_sidecar(
    folder: Path,
    files: Mapping[str, str],
    app_port: int | None = None,
    app_protocol: str = "http",
) -> AsyncIterator[RabbitSidecar]:
    write_files(folder, files)
    config = RunConfig(
        app_id="rabbitapp",
        app_port=app_port,
        components_paths=(folder,),
        app_protocol="grpc" if app_protocol == "grpc" else "http",
    )
    sidecar = Sidecar(config, printer=Printer(io.StringIO()), status=io.StringIO())
    running = asyncio.create_task(sidecar.run())
    try:
        await eventually(
            lambda: sidecar.ready.is_set() or running.done(), "sidecar ready", timeout=60
        )
        if running.done():
            running.result()
        # The SDK checks the sidecar's health on DAPR_HTTP_PORT before its first call.
        saved = (settings.DAPR_HTTP_PORT, settings.DAPR_RUNTIME_HOST, settings.DAPR_HEALTH_TIMEOUT)
        settings.DAPR_HTTP_PORT, settings.DAPR_RUNTIME_HOST = sidecar.http_port, "127.0.0.1"
        settings.DAPR_HEALTH_TIMEOUT = 10
        try:
            async with aiohttp.ClientSession() as session:
                yield RabbitSidecar(sidecar, session)
        finally:
            settings.DAPR_HTTP_PORT, settings.DAPR_RUNTIME_HOST, settings.DAPR_HEALTH_TIMEOUT = (
                saved
            )
    finally:
        sidecar.request_stop()
        assert await asyncio.wait_for(running, 30) == 0  # close: no error


@asynccontextmanager
async def amqp_channel(server: RabbitServer) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    """A plain AMQP channel on the test server, to look at queues from outside daprlite."""
    connection = await aio_pika.connect(server.url())
    try:
        yield await connection.channel()
    finally:
        await connection.close()


async def drain(
    server: RabbitServer, queue: str, count: int, timeout: float = 30.0
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take `count` messages off `queue` (acknowledging them), failing past `timeout`."""
    taken: list[aio_pika.abc.AbstractIncomingMessage] = []
    async with amqp_channel(server) as channel:
        target = await channel.get_queue(queue, ensure=True)

        async def enough() -> bool:
            message = await target.get(fail=False)
            if message is not None:
                await message.ack()
                taken.append(message)
            return len(taken) >= count

        await eventually(enough, f"{count} messages on {queue}", timeout=timeout)
    return taken

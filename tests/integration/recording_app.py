"""A tiny in-process HTTP app that records what an input binding delivers to it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from tests.support.wait import eventually


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]


@dataclass
class RecordingApp:
    route: str = "orders"
    # Decides the status for each delivery; called with the body and how often it was seen.
    status_for: Callable[[bytes, int], int] = lambda _body, _seen: 200
    delay: float = 0.0  # seconds the app "works" on each delivery before answering
    accepted: list[Delivery] = field(default_factory=list)
    attempts: dict[bytes, int] = field(default_factory=dict)
    port: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(f"/{self.route}", self._on_post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _on_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        await asyncio.sleep(self.delay)  # simulated work, so a delivery can be caught in flight
        seen = self.attempts.get(body, 0) + 1
        self.attempts[body] = seen
        status = self.status_for(body, seen)
        if status == 200:
            self.accepted.append(Delivery(body, dict(request.headers)))
        return web.Response(status=status)

    def accepted_values(self) -> list[object]:
        return [json.loads(d.body) for d in self.accepted]

    async def wait_for(self, count: int, timeout: float = 30.0) -> None:
        await eventually(
            lambda: len(self.accepted) >= count,
            lambda: f"the app to accept {count} messages; it accepted {len(self.accepted)}",
            timeout=timeout,
        )

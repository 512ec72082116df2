"""One task that refreshes every running sidecar once a second, all of them concurrently:
metadata, a metrics scrape (kept for ~60 s) and the input-delivery status (fed to a Burrow
window per partition). A sidecar that does not answer is marked so; the others go on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from daprlite.dashboard.burrow import Window
from daprlite.dashboard.discovery import Sidecar, SidecarClient, Unreachable, running_sidecars
from daprlite.dashboard.scrape import Scrape, parse

log = logging.getLogger("daprlite.dashboard")

INTERVAL_SECONDS = 1.0
HISTORY = 60  # scrapes kept per app: a minute at one a second
# A partition not reported for this long (revoked, or its sidecar gone) is forgotten.
FORGET_SECONDS = 120.0

# (binding, consumer group, topic, partition)
PartitionKey = tuple[str, str, str, int]


@dataclass
class AppState:
    sidecar: Sidecar
    metadata: dict[str, Any] | None = None
    metadata_error: str = ""
    scrapes: deque[Scrape] = field(default_factory=lambda: deque(maxlen=HISTORY))
    metrics_error: str = ""
    status: dict[str, Any] | None = None
    status_error: str = ""
    windows: dict[PartitionKey, Window] = field(default_factory=dict)
    last_reported: dict[PartitionKey, float] = field(default_factory=dict)
    polled: float = 0.0


class Poller:
    def __init__(
        self,
        client: SidecarClient,
        discover: Callable[[], Awaitable[list[Sidecar]]] = running_sidecars,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client, self._discover, self._clock = client, discover, clock
        self.apps: dict[str, AppState] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self, interval: float = INTERVAL_SECONDS) -> None:
        self._task = asyncio.create_task(self._run(interval), name="dashboard-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, interval: float) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.refresh()
            except Exception:  # the page must outlive any one bad poll
                log.exception("refreshing the sidecars failed")
            await asyncio.sleep(max(interval - (time.monotonic() - started), 0.05))

    async def refresh(self) -> None:
        """Pick up started and ended runs, then refresh every sidecar at once."""
        running = {s.key: s for s in await self._discover()}
        for key in list(self.apps):
            if key not in running:
                del self.apps[key]
        for key, sidecar in running.items():
            self.apps.setdefault(key, AppState(sidecar))
        await asyncio.gather(*(self._refresh(state) for state in self.apps.values()))

    async def _refresh(self, state: AppState) -> None:
        base = state.sidecar.observability
        jobs: list[Awaitable[None]] = [self._metadata(state)]
        if base is not None:
            jobs += [self._metrics(state, base), self._status(state, base)]
        await asyncio.gather(*jobs)
        state.polled = self._clock()

    async def _metadata(self, state: AppState) -> None:
        try:
            state.metadata = await self.client.json(f"{state.sidecar.api}/v1.0/metadata")
            state.metadata_error = ""
        except Unreachable as exc:
            state.metadata_error = str(exc)

    async def _metrics(self, state: AppState, base: str) -> None:
        try:
            text = await self.client.text(f"{base}/metrics")
            state.scrapes.append(parse(text, self._clock()))
            state.metrics_error = ""
        except Unreachable as exc:
            state.metrics_error = str(exc)
        except ValueError as exc:
            state.metrics_error = f"unreadable metrics: {exc}"

    async def _status(self, state: AppState, base: str) -> None:
        try:
            status = await self.client.json(f"{base}/daprlite/v1/status")
        except Unreachable as exc:
            state.status_error = str(exc)
            return
        state.status, state.status_error = status, ""
        record_positions(state, status, self._clock())


def record_positions(state: AppState, status: dict[str, Any], now: float) -> None:
    """Add each reported partition's position and lag to its Burrow window."""
    for binding in status.get("inputBindings") or []:
        for p in binding.get("partitions") or []:
            position, lag = p.get("position"), p.get("lag")
            if position is None or lag is None:
                continue  # not known yet (no watermark read, nothing fetched)
            key = (str(binding.get("name", "")), str(p.get("group", "")),
                   str(p.get("topic", "")), int(p.get("partition", 0)))  # fmt: skip
            state.windows.setdefault(key, Window()).record(now, int(position), int(lag))
            state.last_reported[key] = now
    for key, seen in list(state.last_reported.items()):
        if now - seen > FORGET_SECONDS:
            del state.last_reported[key]
            state.windows.pop(key, None)

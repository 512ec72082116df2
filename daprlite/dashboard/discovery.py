"""The running sidecars, from the run files `daprlite run` writes, and the async HTTP client that
reads their Dapr API and observability endpoints (with short timeouts: one slow sidecar never
holds up the page)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from daprlite.model.config import api_token_from_env
from daprlite.process.runs import RunEntry, live_entries

LOOPBACK = "127.0.0.1"
TIMEOUT_SECONDS = 0.8  # under the 1 s poll, so a hung sidecar never overlaps two polls


@dataclass(frozen=True, slots=True)
class Sidecar:
    """One running app and where its sidecar answers."""

    key: str  # unique among running apps: the run file's name (cli pid and app id)
    entry: RunEntry

    @property
    def app_id(self) -> str:
        return self.entry.app_id

    @property
    def api(self) -> str:
        return f"http://{LOOPBACK}:{self.entry.http_port}"

    @property
    def observability(self) -> str | None:
        """The metrics port's base URL, None when metrics are off."""
        port = self.entry.metrics_port
        return f"http://{LOOPBACK}:{port}" if port else None


def sidecar_of(entry: RunEntry) -> Sidecar:
    return Sidecar(key=entry.file_name.removesuffix(".json"), entry=entry)


async def running_sidecars() -> list[Sidecar]:
    """Every live run's sidecar, oldest first (the run files are read off the event loop)."""
    entries = await asyncio.to_thread(live_entries)
    return [sidecar_of(entry) for entry in entries]


class Unreachable(Exception):
    """A sidecar did not answer, or answered something other than 2xx JSON/text. The message
    names the URL's path and the reason, never a header."""


class SidecarClient:
    """GETs and POSTs to sidecars, with the `dapr-api-token` header when DAPR_API_TOKEN is set
    (as the dapr CLI sends it). The token is only ever put on outgoing requests."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        token = api_token_from_env(environ)
        self._headers = {"dapr-api-token": token} if token else {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SidecarClient:
        self._session = aiohttp.ClientSession(
            headers=self._headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("SidecarClient is used outside `async with`")
        return self._session

    async def text(self, url: str, params: Mapping[str, str] | None = None) -> str:
        try:
            async with self.session.get(url, params=params) as response:
                body = await response.text(errors="replace")
                if response.status != 200:
                    raise Unreachable(f"{_path(url)} answered {response.status}")
                return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unreachable(f"{_path(url)}: {_reason(exc)}") from exc

    async def json(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        body = await self.text(url, params)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise Unreachable(f"{_path(url)} answered no JSON") from exc

    async def post_binding(
        self, sidecar: Sidecar, binding: str, body: Mapping[str, Any], timeout: float
    ) -> tuple[int, str, dict[str, str]]:
        """POST /v1.0/bindings/<binding>: (status, body text, response headers)."""
        url = f"{sidecar.api}/v1.0/bindings/{binding}"
        try:
            async with self.session.post(
                url, json=body, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                text = await response.text(errors="replace")
                return response.status, text, dict(response.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Unreachable(f"{_path(url)}: {_reason(exc)}") from exc


def _path(url: str) -> str:
    return url.split("//", 1)[-1]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connection refused"
    return type(exc).__name__

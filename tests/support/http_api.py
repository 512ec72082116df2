"""The sidecar's HTTP API server (api/http_server over api/http) on a free loopback port, in
process, with a client whose calls take a path, as aiohttp's TestClient's do."""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Any

import aiohttp
from yarl import URL

from daprlite.api.core import DaprAPI
from daprlite.api.http import HTTPAPI, RequestRecorder
from daprlite.serving.http1 import HTTPServer


class APIClient:
    """`async with APIClient(api) as client:` serves `api` and talks to it."""

    def __init__(
        self,
        api: DaprAPI,
        *,
        max_body_bytes: int = 4 << 20,
        api_token: str | None = None,
        record: RequestRecorder | None = None,
        **session_options: Any,
    ) -> None:
        """`session_options`: for the client's aiohttp.ClientSession (connector, timeout)."""
        answer = HTTPAPI(api, api_token=api_token, record=record).answer
        self.server = HTTPServer(answer, max_body_bytes)
        self.port = 0
        self._session: aiohttp.ClientSession | None = None
        self._session_options = session_options

    async def start_server(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await self.server.start(sock)
        self._session = aiohttp.ClientSession(**self._session_options)

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "start_server() first"
        return self._session

    def make_url(self, path: str | URL) -> URL:
        return URL(f"http://127.0.0.1:{self.port}").join(URL(path))

    def request(self, method: str, path: str | URL, **kwargs: Any) -> Any:
        return self.session.request(method, self.make_url(path), **kwargs)

    def get(self, path: str | URL, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str | URL, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str | URL, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        await self.server.close(grace=1.0)

    async def __aenter__(self) -> APIClient:
        await self.start_server()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

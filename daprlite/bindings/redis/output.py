"""The Redis output binding: `create`, `get`, `delete` and `increment` on the key named by the
request's `key` metadata, answered as components-contrib's binding answers them.

Two changes, both invisible on success: a request's TTL is checked before anything is written
(daprd writes the value, then fails on a bad TTL), and `create` with a TTL sends SET and
EXPIRE in one MULTI/EXEC transaction, so that no key is ever left without the TTL asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Sequence
from typing import Any

import redis.asyncio
import redis.exceptions

from daprlite.bindings.redis.client import ClientProblem, UnknownPort, create_client
from daprlite.bindings.redis.errors import go_redis_text, scrub
from daprlite.bindings.redis.settings import RedisSettings, read_settings
from daprlite.bindings.redis.ttl import expire_seconds
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError, ComponentInitError

# daprd's order, which its "supported operations" error lists.
OPERATIONS = ("create", "delete", "get", "increment")


class RedisOutput:
    def __init__(self) -> None:
        self._settings: RedisSettings | None = None
        self._client: redis.asyncio.Redis | None = None

    @staticmethod
    def check_metadata(component: Component) -> None:
        read_settings(component)

    async def init(self, component: Component) -> None:
        self._settings = settings = read_settings(component)
        try:
            if settings.enable_tls:
                self._client = await asyncio.to_thread(create_client, settings)
            else:
                self._client = create_client(settings)
        except ClientProblem as exc:
            raise ComponentInitError(
                component.log_name, f"redis client configuration error: {exc}"
            ) from None
        except UnknownPort as exc:
            raise ComponentInitError(
                component.log_name,
                f"redis binding: error connecting to redis at {settings.host}: {exc}",
            ) from None
        # daprd pings once, bounded by dialTimeout: a wrong password, a database index out of
        # range or a server that is not there fails start-up.
        try:
            async with asyncio.timeout(settings.dial_timeout):
                await self._client.ping()
        except (redis.exceptions.RedisError, TimeoutError) as exc:
            await self.close()
            reason = self._text(exc)
            raise ComponentInitError(
                component.log_name,
                f"redis binding: error connecting to redis at {settings.host}: {reason}",
            ) from None

    def operations(self) -> Sequence[str]:
        return list(OPERATIONS)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        # Exact-case Go map lookups, before the operation is looked at.
        key = request.metadata.get("key", "")
        if not key:
            raise BindingInvokeError("redis binding: missing key in request metadata")
        if self._client is None:
            raise BindingInvokeError("redis binding: the component is not initialized")
        client = self._client
        try:
            if request.operation == "get":
                if request.metadata.get("delete") == "true":
                    value = await _command(client, "GETDEL", key)
                else:
                    value = await _command(client, "GET", key)
                # A missing key is an empty answer (HTTP 200, no body), not an error.
                return InvokeResponse(data=bytes(value) if value is not None else b"")
            if request.operation == "delete":
                await _command(client, "DEL", key)
                return None
            if request.operation == "create":
                await self._write(self._create(client, key, request))
                return None
            if request.operation == "increment":
                await self._write(self._increment(client, key, request))
                return None
        except (redis.exceptions.RedisError, TimeoutError) as exc:
            raise BindingInvokeError(self._text(exc)) from None
        raise BindingInvokeError(f"invalid operation type: {request.operation}")

    async def _create(self, client: redis.asyncio.Redis, key: str, request: InvokeRequest) -> None:
        seconds = expire_seconds(request.metadata)
        if seconds is None:
            await _command(client, "SET", key, request.data)
            return
        async with client.pipeline(transaction=True) as transaction:
            transaction.execute_command("SET", key, request.data)
            transaction.execute_command("EXPIRE", key, seconds)
            await transaction.execute()

    async def _increment(
        self, client: redis.asyncio.Redis, key: str, request: InvokeRequest
    ) -> None:
        seconds = expire_seconds(request.metadata)
        # Two round trips, as in daprd: in one transaction a failed INCR would still expire.
        await _command(client, "INCR", key)
        if seconds is not None:
            await _command(client, "EXPIRE", key, seconds)

    async def _write(self, work: Coroutine[Any, Any, None]) -> None:
        """daprd bounds each write (retries included) by writeTimeout, when one is set."""
        assert self._settings is not None
        async with asyncio.timeout(self._settings.write_timeout):
            await work

    def _text(self, exc: BaseException) -> str:
        assert self._settings is not None
        return scrub(go_redis_text(exc, self._settings.host), self._settings.secrets)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(redis.exceptions.RedisError, OSError):
                await client.aclose()


async def _command(client: redis.asyncio.Redis, *args: str | bytes | int) -> Any:
    """One command through the pool (redis-py leaves execute_command untyped)."""
    return await client.execute_command(*args)  # type: ignore[no-untyped-call]

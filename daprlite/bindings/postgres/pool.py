"""A small pool of psycopg connections that behaves like pgxpool where a user can tell.

Connections open on demand, so a failed connect reaches the caller at once with the server's
reason (psycopg_pool would retry in the background and answer "couldn't get a connection" after
its timeout). A connection idle for over a second is pinged before reuse, as pgxpool does, so a
restarted server costs no request. `close()` refuses new work and waits for the work in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import psycopg

Connect = Callable[[], Awaitable[psycopg.AsyncConnection]]
_PING_AFTER_IDLE = 1.0  # seconds; pgxpool's default ShouldPing rule


class PoolClosed(Exception):
    pass


@dataclass(slots=True)
class _Idle:
    conn: psycopg.AsyncConnection
    born: float
    idle_since: float


class ConnectionPool:
    def __init__(
        self, connect: Connect, max_conns: int, max_lifetime: float, max_idle: float
    ) -> None:
        self._connect = connect
        self._slots = asyncio.Semaphore(max_conns)
        self._max_lifetime = max_lifetime
        self._max_idle = max_idle
        self._idle: list[_Idle] = []
        self._busy = 0
        self._drained = asyncio.Event()
        self._drained.set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A healthy connection for one operation; a broken one is dropped afterwards."""
        if self._closed:
            raise PoolClosed
        async with self._slots:
            if self._closed:
                raise PoolClosed
            self._busy += 1
            self._drained.clear()
            try:
                conn, born = await self._take()
                try:
                    yield conn
                finally:
                    await self._give_back(conn, born)
            finally:
                self._busy -= 1
                if self._busy == 0:
                    self._drained.set()

    async def _take(self) -> tuple[psycopg.AsyncConnection, float]:
        now = time.monotonic()
        while self._idle:
            entry = self._idle.pop()  # the most recently used first, as pgxpool does
            if now - entry.born > self._max_lifetime or now - entry.idle_since > self._max_idle:
                await _quietly_close(entry.conn)
                continue
            if now - entry.idle_since > _PING_AFTER_IDLE and not await _alive(entry.conn):
                await _quietly_close(entry.conn)
                continue
            return entry.conn, entry.born
        return await self._connect(), time.monotonic()

    async def _give_back(self, conn: psycopg.AsyncConnection, born: float) -> None:
        healthy = not conn.closed and conn.info.transaction_status in (
            psycopg.pq.TransactionStatus.IDLE,
        )
        if self._closed or not healthy:
            await _quietly_close(conn)
        else:
            self._idle.append(_Idle(conn, born, time.monotonic()))

    async def close(self) -> None:
        """Refuse new work, wait for the operations in flight, then close every connection."""
        self._closed = True
        await self._drained.wait()
        idle, self._idle = self._idle, []
        for entry in idle:
            await _quietly_close(entry.conn)


async def _alive(conn: psycopg.AsyncConnection) -> bool:
    try:
        await conn.execute("-- ping")
    except psycopg.Error:
        return False
    return True


async def _quietly_close(conn: psycopg.AsyncConnection) -> None:
    with suppress(psycopg.Error):
        await conn.close()

"""The PostgreSQL output binding: `exec`, `query` and `close`, as components-contrib's does them.

Parameters are positional `$1..$n` from the `params` JSON array, sent untyped so the server
infers each type (psycopg's AsyncRawCursor keeps `$n` as written). `close` is for good, as in
daprd: every later call fails with "component is closed".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence

import psycopg

from daprlite.bindings.postgres.errors import connect_error, driver_error
from daprlite.bindings.postgres.params import decode_params
from daprlite.bindings.postgres.pgtime import LocalOffset, system_offset
from daprlite.bindings.postgres.pool import ConnectionPool, PoolClosed
from daprlite.bindings.postgres.render import ReadError, Renderer, SerializeError
from daprlite.bindings.postgres.settings import PostgresSettings, read_settings, scrub
from daprlite.gocompat.duration import format_duration
from daprlite.gocompat.timejson import format_time
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError, ComponentInitError

OPERATIONS = ("exec", "query", "close")
_OFFLOAD_CELLS = 20_000  # results this big are rendered on a worker thread, off the loop


class ConnectFailed(Exception):
    """A new connection could not be made; the message is pgx's wording of why."""


class PostgresOutput:
    def __init__(self, local_offset: LocalOffset = system_offset) -> None:
        self._settings: PostgresSettings | None = None
        self._pool: ConnectionPool | None = None
        self._closed = False
        self._renderer = Renderer(local_offset)

    @staticmethod
    def check_metadata(component: Component) -> None:
        read_settings(component)

    async def init(self, component: Component) -> None:
        if self._closed:
            raise ComponentInitError(
                component.log_name, "cannot initialize a previously-closed component"
            )
        self._settings = settings = read_settings(component)
        config = settings.config
        self._pool = ConnectionPool(
            self._connect, config.max_conns, config.max_lifetime, config.max_idle
        )
        # daprd pings once: a wrong password or an unknown database fails start-up, and the
        # connection made for it stays in the pool.
        try:
            async with self._pool.connection() as conn:
                await conn.execute("-- ping")
        except (ConnectFailed, psycopg.Error) as exc:
            reason = str(exc) if isinstance(exc, ConnectFailed) else driver_error(exc, "ping")
            raise ComponentInitError(
                component.log_name, self._scrub(f"failed to ping the DB: {reason}")
            ) from None

    def operations(self) -> Sequence[str]:
        return list(OPERATIONS)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        if request.operation == "close":
            await self.close()  # daprd lets close succeed again and again
            return None
        if self._closed or self._pool is None:
            raise BindingInvokeError("component is closed")
        # Go map lookups: exact-case keys.
        sql = request.metadata.get("sql", "")
        if not sql:
            raise BindingInvokeError("required metadata not set: sql")
        params = decode_params(request.metadata.get("params", ""))
        started = time.time_ns()
        metadata = {
            "operation": request.operation,
            "sql": sql,
            "start-time": _utc(started),
        }
        data = b""
        if request.operation == "exec":
            metadata["rows-affected"] = str(await self._run(sql, params, "exec"))
        elif request.operation == "query":
            rows = await self._run(sql, params, "query")
            assert isinstance(rows, bytes)
            data = rows
        else:
            raise BindingInvokeError(
                f"invalid operation type: {request.operation}. Expected exec, query, or close"
            )
        ended = time.time_ns()
        metadata["end-time"] = _utc(ended)
        # daprd subtracts two wall-clock times (UTC() drops Go's monotonic reading).
        metadata["duration"] = format_duration(ended - started)
        return InvokeResponse(data=data, metadata=metadata)

    async def _run(self, sql: str, params: list[str | None] | None, operation: str) -> int | bytes:
        assert self._pool is not None and self._settings is not None
        try:
            async with self._pool.connection() as conn:
                cursor = psycopg.AsyncRawCursor(conn)
                await cursor.execute(sql, params, prepare=self._prepare(operation, params))
                if operation == "exec":
                    while cursor.nextset():
                        pass  # pgx reports the last statement's count, as this does
                    return rows_affected(cursor.statusmessage or "")
                return await self._rows(cursor.pgresult)
        except PoolClosed:
            raise BindingInvokeError("component is closed") from None
        except ConnectFailed as exc:
            raise BindingInvokeError(self._scrub(f"error executing query: {exc}")) from None
        except psycopg.Error as exc:
            reason = driver_error(exc, operation)
            raise BindingInvokeError(self._scrub(f"error executing query: {reason}")) from None

    def _prepare(self, operation: str, params: list[str | None] | None) -> bool:
        """Whether to use the extended protocol with a named (cached) statement.

        As pgx: `exec` without parameters always goes as a simple query (several statements
        allowed); everything else is one statement, prepared, except in simple_protocol mode.
        """
        assert self._settings is not None
        if self._settings.config.exec_mode == "simple_protocol":
            return False
        return operation == "query" or params is not None

    async def _rows(self, result: psycopg.pq.abc.PGresult | None) -> bytes:
        if result is None or result.status != psycopg.pq.ExecStatus.TUPLES_OK:
            return b"[]"
        oids = [result.ftype(column) for column in range(result.nfields)]

        def rows() -> Iterator[list[bytes | None]]:
            for row in range(result.ntuples):
                yield [result.get_value(row, column) for column in range(result.nfields)]

        try:
            if result.ntuples * max(result.nfields, 1) > _OFFLOAD_CELLS:
                return await asyncio.to_thread(self._renderer.rows, oids, rows())
            return self._renderer.rows(oids, rows())
        except ReadError as exc:
            raise BindingInvokeError(self._scrub(str(exc))) from None
        except SerializeError as exc:
            raise BindingInvokeError(f"error serializing results: {exc}") from None

    async def _connect(self) -> psycopg.AsyncConnection:
        assert self._settings is not None
        config = self._settings.config
        try:
            return await asyncio.wait_for(
                # Every execute says whether to prepare, so psycopg's own threshold never applies.
                psycopg.AsyncConnection.connect(**config.connect_kwargs, autocommit=True),
                self._settings.timeout,
            )
        except TimeoutError:
            raise ConnectFailed(
                f"failed to connect to `user={config.user} database={config.database}`: "
                f"timeout: no connection after {self._settings.timeout:g}s"
            ) from None
        except psycopg.Error as exc:
            raise ConnectFailed(connect_error(exc, config.user, config.database)) from None

    def _scrub(self, text: str) -> str:
        return scrub(text, self._settings.secrets) if self._settings else text

    async def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            await self._pool.close()


def rows_affected(command_tag: str) -> int:
    """pgx's CommandTag.RowsAffected: the number the tag ends with (`INSERT 0 3` -> 3), else 0."""
    digits = len(command_tag) - len(command_tag.rstrip("0123456789"))
    return int(command_tag[-digits:]) if digits else 0


def _utc(nanoseconds: int) -> str:
    """Go's `time.Now().UTC().Format(time.RFC3339Nano)`."""
    seconds, nanos = divmod(nanoseconds, 1_000_000_000)
    return format_time(seconds, nanos)

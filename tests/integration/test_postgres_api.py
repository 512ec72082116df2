"""Every bindings.postgresql operation through both Dapr APIs, against the real PostgreSQL:
HTTP `POST /v1.0/bindings/<name>` and gRPC `InvokeBinding` from the official Python SDK, with
daprd's status codes, error JSON, gRPC status and response metadata.
"""

from __future__ import annotations

import json
import re
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from tests.support.pg_sidecar import NAME, pg_sidecar
from tests.support.postgres import PostgresServer

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
ERROR_PREFIX = f"error invoking output binding {NAME}: "


@pytest.fixture(params=["bindings.postgresql", "bindings.postgres"])
async def sidecar(request, postgres_server: PostgresServer):  # type: ignore[no-untyped-def]
    async with pg_sidecar({"url": postgres_server.dsn()}, request.param) as running:
        yield running


def body(operation: str, sql: str, params: str | None = None) -> dict[str, object]:
    metadata = {"sql": sql} if params is None else {"sql": sql, "params": params}
    return {"operation": operation, "metadata": metadata}


async def test_http_exec_then_query(sidecar) -> None:
    table = f"t_{uuid.uuid4().hex[:8]}"
    created = await sidecar.post(body("exec", f"CREATE TABLE {table} (id INT, ts TIMESTAMP)"))
    assert created.status == 200 and await created.read() == b""
    inserted = await sidecar.post(
        body("exec", f"INSERT INTO {table} VALUES ($1, $2)", '[1, "2020-09-24T11:45:05+07:00"]')
    )
    assert inserted.status == 200
    assert inserted.headers["Metadata.rows-Affected"] == "1"
    assert inserted.headers["Metadata.operation"] == "exec"
    assert TIMESTAMP.fullmatch(inserted.headers["Metadata.start-Time"])
    assert TIMESTAMP.fullmatch(inserted.headers["Metadata.end-Time"])
    assert inserted.headers["Metadata.duration"]
    queried = await sidecar.post(body("query", f"SELECT * FROM {table}"))
    assert queried.status == 200
    assert queried.headers["Content-Type"].startswith("application/json")
    assert await queried.read() == b'[[1,"2020-09-24T11:45:05Z"]]'
    assert queried.headers["Metadata.sql"] == f"SELECT * FROM {table}"
    assert "Metadata.rows-Affected" not in queried.headers


async def test_grpc_exec_then_query(sidecar) -> None:
    table = f"t_{uuid.uuid4().hex[:8]}"

    def work(client):  # type: ignore[no-untyped-def]
        client.invoke_binding(NAME, "exec", b"", {"sql": f"CREATE TABLE {table} (id INT)"})
        inserted = client.invoke_binding(
            NAME, "exec", b"", {"sql": f"INSERT INTO {table} VALUES ($1), ($2)", "params": "[1,2]"}
        )
        queried = client.invoke_binding(
            NAME, "query", b"", {"sql": f"SELECT id FROM {table} ORDER BY id"}
        )
        return inserted, queried

    inserted, queried = await sidecar.sdk(work)
    assert inserted.data == b""
    assert inserted.binding_metadata["rows-affected"] == "2"
    assert inserted.binding_metadata["operation"] == "exec"
    assert queried.data == b"[[1],[2]]"
    assert set(queried.binding_metadata) == {
        "operation",
        "sql",
        "start-time",
        "end-time",
        "duration",
    }


async def test_http_close_is_204_and_later_calls_fail(sidecar) -> None:
    closed = await sidecar.post({"operation": "close"})
    assert closed.status == 204
    again = await sidecar.post({"operation": "close"})
    assert again.status == 204
    failed = await sidecar.post(body("query", "SELECT 1"))
    assert failed.status == 500
    assert json.loads(await failed.read()) == {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": ERROR_PREFIX + "component is closed",
    }


async def test_grpc_close_then_a_call_fails(sidecar) -> None:
    def work(client):  # type: ignore[no-untyped-def]
        closed = client.invoke_binding(NAME, "close", b"", {})
        try:
            client.invoke_binding(NAME, "exec", b"", {"sql": "SELECT 1"})
        except grpc.RpcError as exc:
            return closed, exc
        raise AssertionError("exec after close succeeded")

    closed, error = await sidecar.sdk(work)
    assert closed.data == b""
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == ERROR_PREFIX + "component is closed"


ERRORS = [
    (body("exec", ""), "required metadata not set: sql"),
    (
        body("query", "SELECT $1", "[1"),
        "invalid metadata property params: failed to unserialize into an array: "
        "unexpected end of JSON input",
    ),
    (
        body("query", "SELECT * FROM nosuch"),
        'error executing query: ERROR: relation "nosuch" does not exist (SQLSTATE 42P01)',
    ),
    (
        {"operation": "create", "metadata": {"sql": "SELECT 1"}},
        f"binding {NAME} does not support operation create. supported operations:exec query close",
    ),
]


@pytest.mark.parametrize(("request_body", "message"), ERRORS)
async def test_http_errors(sidecar, request_body, message: str) -> None:
    response = await sidecar.post(request_body)
    assert response.status == 500
    assert json.loads(await response.read()) == {
        "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
        "message": ERROR_PREFIX + message,
    }


@pytest.mark.parametrize(("request_body", "message"), ERRORS)
async def test_grpc_errors(sidecar, request_body, message: str) -> None:
    metadata = request_body["metadata"]

    def work(client):  # type: ignore[no-untyped-def]
        try:
            client.invoke_binding(NAME, request_body["operation"], b"", metadata)
        except grpc.RpcError as exc:
            return exc
        raise AssertionError("the call succeeded")

    error = await sidecar.sdk(work)
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == ERROR_PREFIX + message
    status = rpc_status.from_call(error)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.reason == "ERR_INVOKE_OUTPUT_BINDING"

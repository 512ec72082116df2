"""components-contrib's conformance and certification cases for bindings.postgresql, replayed
through daprlite's own APIs against a real PostgreSQL.

Conformance (`tests/config/bindings/tests.yml`, entry `postgresql.docker`, operations exec, query,
close): init, ping, operations, close. Certification (`tests/certification/bindings/postgres`):
exec and query with and without params, then close, each through the Go SDK's gRPC calls there
and the Python SDK here, with the exact bytes the Go test asserts. The component files are
upstream's, with the server's port and password put in for the fixed ones.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from tests.support.pg_sidecar import PgSidecar, sidecar_from_resources
from tests.support.postgres import PostgresServer

# cc:tests/config/bindings/postgresql/docker/bindings.yml ("url" tests the old name's alias)
CONFORMANCE_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: postgres-binding
spec:
  type: bindings.postgresql
  version: v1
  metadata:
    # "url" is the old name for "connectionString" and is kept here to test for backwards-compatibility
    - name: url
      value: "host=localhost user=postgres password={password} port={port} connect_timeout=10 database=dapr_test"
"""  # noqa: E501  (upstream's lines, kept verbatim)
# cc:tests/certification/bindings/postgres/components/standard/postgres.yaml
CERTIFICATION_COMPONENT = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: standard-binding
spec:
  type: bindings.postgresql
  version: v1
  metadata:
    - name: connectionString
      value: "host=localhost user=postgres password={password} port={port} connect_timeout=10 database=dapr_test"
"""  # noqa: E501
TABLE = "dapr_test_table"


async def _running(
    tmp_path: Path, server: PostgresServer, template: str
) -> AsyncIterator[PgSidecar]:
    folder = tmp_path / "components"
    folder.mkdir()
    text = template.format(password=server.password, port=server.port)
    (folder / "postgres.yaml").write_text(text)
    async with sidecar_from_resources(folder) as sidecar:
        yield sidecar


@pytest.fixture
async def conformance(tmp_path, postgres_server):  # type: ignore[no-untyped-def]
    async for sidecar in _running(tmp_path, postgres_server, CONFORMANCE_COMPONENT):
        yield sidecar


@pytest.fixture
async def certification(tmp_path, postgres_server):  # type: ignore[no-untyped-def]
    async for sidecar in _running(tmp_path, postgres_server, CERTIFICATION_COMPONENT):
        yield sidecar


async def test_conformance_init_ping_operations_close(conformance: PgSidecar) -> None:
    # init: the component is up and listed as daprd lists it.
    async with conformance.session.get(conformance.url("/v1.0/metadata")) as response:
        document = await response.json()
    assert {"name": "postgres-binding", "type": "bindings.postgresql", "version": "v1"}.items() <= (
        document["components"][0].items()
    )
    # ping: no sidecar API; the outbound health check stands for it.
    async with conformance.session.get(conformance.url("/v1.0/healthz/outbound")) as response:
        assert response.status == 204
    # operations: read from daprd's unsupported-operation error, as the harness notes say.
    answer = await conformance.post({"operation": "operations"}, name="postgres-binding")
    message = (await answer.json())["message"]
    listed = re.search(r"supported operations:(.*)$", message)
    assert listed is not None
    assert {"exec", "query", "close"} <= set(listed.group(1).lower().split())
    # close: no error.
    closed = await conformance.post({"operation": "close"}, name="postgres-binding")
    assert closed.status == 204


async def test_certification_exec_query_close(certification: PgSidecar) -> None:
    # createTable: the Go test creates it with its own client before the sidecar starts.
    created = await certification.post(
        {"operation": "exec", "metadata": {"sql": f"DROP TABLE IF EXISTS {TABLE}"}},
        name="standard-binding",
    )
    assert created.status == 200
    created = await certification.post(
        {
            "operation": "exec",
            "metadata": {"sql": f"CREATE TABLE {TABLE} (id INT, c1 TEXT, ts TIMESTAMP);"},
        },
        name="standard-binding",
    )
    assert created.status == 200

    def run(client):  # type: ignore[no-untyped-def]
        name = "standard-binding"
        client.invoke_binding(
            name,
            "exec",
            b"",
            {
                "sql": f"INSERT INTO {TABLE} (id, c1, ts) "
                "VALUES (1, 'demo', '2020-09-24T11:45:05+07:00');"
            },
        )
        client.invoke_binding(
            name,
            "exec",
            b"",
            {
                "sql": f"INSERT INTO {TABLE} (id, c1, ts) VALUES ($1, $2, $3);",
                "params": '[2, "demo2", "2021-03-19T11:45:05+07:00"]',
            },
        )
        one = client.invoke_binding(
            name, "query", b"", {"sql": f"SELECT * FROM {TABLE} WHERE id = 1;"}
        )
        both = client.invoke_binding(
            name,
            "query",
            b"",
            {"sql": f"SELECT * FROM {TABLE} WHERE id = ANY($1);", "params": "[[1, 2]]"},
        )
        client.invoke_binding(name, "close", b"", {})
        try:
            client.invoke_binding(
                name, "query", b"", {"sql": f"SELECT * FROM {TABLE} WHERE id = 1;"}
            )
        except grpc.RpcError as exc:
            return one, both, exc
        raise AssertionError("query after close succeeded")

    one, both, after_close = await certification.sdk(run)
    assert one.data == b'[[1,"demo","2020-09-24T11:45:05Z"]]'
    assert both.data == (b'[[1,"demo","2020-09-24T11:45:05Z"],[2,"demo2","2021-03-19T11:45:05Z"]]')
    assert after_close.code() == grpc.StatusCode.INTERNAL
    assert after_close.details() == (
        "error invoking output binding standard-binding: component is closed"
    )

"""The second quickstart (`quickstart/batch/`), run as a user runs it: a cron binding triggers the
app every 10 s and the app writes its batch of orders into a real PostgreSQL through the
`bindings.postgresql` output binding; the rows are then read back from the server."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import psycopg

from tests.e2e.runner import DaprliteRun
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer

BATCH = Path(__file__).resolve().parents[2] / "quickstart" / "batch"
QUICKSTART_DSN = (
    "user=postgres password=docker host=localhost port=5432 dbname=orders "
    "pool_min_conns=1 pool_max_conns=10"
)


def batch_copy(tmp_path: Path, server: PostgresServer, app_port: int) -> Path:
    """The quickstart in a folder of the test's own: only where PostgreSQL listens changes."""
    copy = tmp_path / "batch"
    shutil.copytree(BATCH, copy, ignore=shutil.ignore_patterns(".dapr", "__pycache__"))
    component = copy / "components" / "bindings-postgresql.yaml"
    text = component.read_text()
    assert QUICKSTART_DSN in text
    ours = server.dsn(database="orders") + " pool_min_conns=1 pool_max_conns=10"
    component.write_text(text.replace(QUICKSTART_DSN, ours))
    template = copy / "dapr.yaml"
    template.write_text(template.read_text().replace("appPort: 5002", f"appPort: {app_port}"))
    return copy


def connect(server: PostgresServer, database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=database,
        autocommit=True,
    )


def create_orders_database(server: PostgresServer) -> None:
    with connect(server, server.database) as admin:
        admin.execute("DROP DATABASE IF EXISTS orders")
        admin.execute("CREATE DATABASE orders")
    with connect(server, "orders") as orders:
        orders.execute((BATCH / "orders.sql").read_text())


def test_cron_triggers_the_batch_and_the_orders_land_in_postgresql(
    tmp_path, postgres_server: PostgresServer
) -> None:
    create_orders_database(postgres_server)
    copy = batch_copy(tmp_path, postgres_server, free_port())
    # `python3` in the template is the interpreter that has the Dapr SDK (this one).
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    run = DaprliteRun(["-f", str(copy)], cwd=tmp_path, env={"PATH": path})
    try:
        run.wait_for(r"== APP - batch-sdk == Finished processing batch", timeout=60)
    finally:
        run.process.send_signal(signal.SIGINT)
        code = run.wait_exit(timeout=30)
    assert code == 130, run.output
    assert "Traceback" not in run.output
    for n in (1, 2, 3):
        assert f"== APP - batch-sdk == Order {n} for" in run.output
    with connect(postgres_server, "orders") as orders:
        rows = orders.execute("SELECT orderid, customer, price::text FROM orders ORDER BY 1")
        assert rows.fetchall() == [
            (1, "John Smith", "100.32"),
            (2, "Jane Bond", "15.4"),
            (3, "Tony James", "35.56"),
        ]

"""bindings.postgresql against a real PostgreSQL: every rendered type, exec/query/close, errors.

Each expected result was printed by pgx v5.7.4 (daprd 1.18's driver) running components-contrib's
query code (`rows.Values()` then `json.Marshal`) against the same server with TZ=UTC, or with
TZ=Asia/Kolkata for the timestamptz rows that name it.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from daprlite.bindings.postgres.output import PostgresOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError, ComponentInitError
from tests.support.postgres import PostgresServer
from tests.support.wait import eventually

RFC3339_NANO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
GO_DURATION = re.compile(r"(\d+(\.\d+)?(ns|µs|ms|s)|(\d+h)?(\d+m)?\d+(\.\d+)?s)")


def component(metadata: dict[str, str], name: str = "pg") -> Component:
    return Component(name, "bindings.postgresql", "v1", metadata, Path("pg.yaml"), 1)


Invoke = Callable[..., Awaitable[InvokeResponse | None]]


@pytest.fixture
async def binding(postgres_server: PostgresServer) -> AsyncIterator[PostgresOutput]:
    output = PostgresOutput(local_offset=lambda _unix: 0)
    await output.init(component({"url": postgres_server.dsn()}))
    try:
        yield output
    finally:
        await output.close()


async def call(binding: PostgresOutput, operation: str, sql: str, params: str | None = None):  # type: ignore[no-untyped-def]
    metadata = {"sql": sql} if params is None else {"sql": sql, "params": params}
    return await binding.invoke(InvokeRequest(b"", metadata, operation))


async def query(binding: PostgresOutput, sql: str, params: str | None = None) -> str:
    response = await call(binding, "query", sql, params)
    assert response is not None
    return response.data.decode()


# (type, SQL, the JSON daprd answers)
RENDERED = [
    ("int2", "SELECT 1::int2, (-32768)::int2", "[[1,-32768]]"),
    ("int4", "SELECT 2::int4", "[[2]]"),
    ("int8", "SELECT 9223372036854775807::int8", "[[9223372036854775807]]"),
    ("float4", "SELECT 1.1::float4, 1e20::float4, 1e-7::float4",
     "[[1.1,100000000000000000000,1e-7]]"),
    ("float4-rounding", "SELECT 123456789.125::float4, 16777217::float4", "[[123456790,16777216]]"),
    ("float8", "SELECT 0.1::float8, 1e21::float8, 1e-7::float8", "[[0.1,1e+21,1e-7]]"),
    ("numeric", "SELECT 1.50::numeric, -12.3400::numeric, 1e25::numeric, 1e-20::numeric",
     "[[1.50,-12.3400,10000000000000000000000000,0.00000000000000000001]]"),
    ("numeric-zero", "SELECT 0.00::numeric", "[[0]]"),
    ("numeric-nan", "SELECT 'NaN'::numeric", '[["NaN"]]'),
    ("bool", "SELECT true, false", "[[true,false]]"),
    ("text", "SELECT 'x'::text, 'y'::varchar(3), 'z'::char(3), 'n'::name", '[["x","y","z  ","n"]]'),
    ("text-escapes", "SELECT E'\\u2028<&>\"\\\\ \\t\\x01'::text",
     '[["\\u2028\\u003c\\u0026\\u003e\\"\\\\ \\t\\u0001"]]'),
    ("char", "SELECT 'a'::\"char\"", "[[97]]"),
    ("bytea", "SELECT '\\x00ff10'::bytea, ''::bytea", '[["AP8Q",""]]'),
    ("timestamp",
     "SELECT '2020-09-24T11:45:05+07:00'::timestamp, '2020-09-24 11:45:05.12345'::timestamp",
     '[["2020-09-24T11:45:05Z","2020-09-24T11:45:05.12345Z"]]'),
    ("timestamptz-utc", "SELECT '2020-09-24T11:45:05.1234+07:00'::timestamptz",
     '[["2020-09-24T04:45:05.1234Z"]]'),
    ("date", "SELECT '2020-09-24'::date, '0001-01-01 BC'::date",
     '[["2020-09-24T00:00:00Z","0000-01-01T00:00:00Z"]]'),
    ("infinity",
     "SELECT 'infinity'::timestamp, '-infinity'::timestamp, 'infinity'::date, "
     "'-infinity'::timestamptz",
     "[[1,-1,1,-1]]"),
    ("time", "SELECT '11:45:05.5'::time, '24:00:00'::time",
     '[[{"Microseconds":42305500000,"Valid":true},{"Microseconds":86400000000,"Valid":true}]]'),
    ("timetz", "SELECT '11:45:05+07'::timetz", '[["11:45:05+07"]]'),
    ("interval",
     "SELECT '1 year 2 mons 3 days 04:05:06.789'::interval, '-1 day -02:03:04.5'::interval",
     '[[{"Microseconds":14706789000,"Days":3,"Months":14,"Valid":true},'
     '{"Microseconds":-7384500000,"Days":-1,"Months":0,"Valid":true}]]'),
    ("uuid", "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
     "[[[160,238,188,153,156,11,78,248,187,109,107,185,189,56,10,17]]]"),
    ("json", """SELECT '{"b":1,"a":[1,2.5,"<x>"],"b":3}'::json""",
     '[[{"a":[1,2.5,"\\u003cx\\u003e"],"b":3}]]'),
    ("jsonb", """SELECT '{"b":1,"a":12345678901234567890}'::jsonb, 'null'::jsonb""",
     '[[{"a":12345678901234567000,"b":1},null]]'),
    ("null", "SELECT NULL, NULL::int", "[[null,null]]"),
    ("array-int", "SELECT ARRAY[1,2,3], ARRAY[[1,2],[3,4]], '{}'::int[], '[2:3]={1,2}'::int[]",
     "[[[1,2,3],[1,2,3,4],[],[1,2]]]"),
    ("array-text", """SELECT ARRAY['a b','c"d','e\\f','NULL','',NULL]""",
     '[[["a b","c\\"d","e\\\\f","NULL","",null]]]'),
    ("array-other", "SELECT ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid], "
     "ARRAY['{\"a\":1}'::jsonb], ARRAY['2020-01-01'::date], ARRAY[1.5::numeric]",
     '[[[[160,238,188,153,156,11,78,248,187,109,107,185,189,56,10,17]],[{"a":1}],'
     '["2020-01-01T00:00:00Z"],[1.5]]]'),
    ("inet", "SELECT '192.168.0.1'::inet, '10.0.0.0/8'::cidr, '::1'::inet",
     '[["192.168.0.1/32","10.0.0.0/8","::1/128"]]'),
    ("macaddr", "SELECT '08:00:2b:01:02:03'::macaddr", '[["CAArAQID"]]'),
    ("xml", "SELECT '<a>x</a>'::xml", '[["PGE+eDwvYT4="]]'),
    ("money-as-text", "SELECT '$1.50'::money, 5::oid", '[["$1.50",5]]'),
    ("no-rows", "SELECT 1 WHERE false", "[]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "expected"), [r[1:] for r in RENDERED], ids=[r[0] for r in RENDERED]
)
async def test_each_type_renders_as_daprd_renders_it(binding, sql: str, expected: str) -> None:
    assert await query(binding, sql) == expected


async def test_timestamptz_is_shown_in_the_sidecars_zone(postgres_server) -> None:
    # pgx decodes timestamptz into Go's time.Local; Kolkata is UTC+05:30.
    output = PostgresOutput(local_offset=lambda _unix: 19800)
    await output.init(component({"url": postgres_server.dsn()}))
    try:
        assert await query(output, "SELECT '2020-09-24T11:45:05.1234+07:00'::timestamptz") == (
            '[["2020-09-24T10:15:05.1234+05:30"]]'
        )
    finally:
        await output.close()


# (SQL, daprd's error text) for values Go's json.Marshal or pgx's decoder refuse
REFUSED = [
    ("SELECT 'NaN'::float8", "error serializing results: json: unsupported value: NaN"),
    ("SELECT 'Infinity'::float8", "error serializing results: json: unsupported value: +Inf"),
    (
        "SELECT 'Infinity'::numeric",
        "error serializing results: json: error calling MarshalJSON for type pgtype.Numeric: "
        "invalid character '<' looking for beginning of value",
    ),
    (
        "SELECT '10000-01-01'::date",
        "error serializing results: json: error calling MarshalJSON for type time.Time: "
        "Time.MarshalJSON: year outside of range [0,9999]",
    ),
    (
        "SELECT '1e400'::json",
        "error reading result 'json: cannot unmarshal number 1e400 into Go value of type "
        "float64': json: cannot unmarshal number 1e400 into Go value of type float64",
    ),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
async def test_values_go_cannot_write_fail_as_in_daprd(binding, sql: str, message: str) -> None:
    with pytest.raises(BindingInvokeError) as caught:
        await query(binding, sql)
    assert str(caught.value) == message


async def test_exec_and_query_with_params_as_the_certification_does(binding) -> None:
    table = f"t_{uuid.uuid4().hex[:8]}"
    await call(binding, "exec", f"CREATE TABLE {table} (id INT, c1 TEXT, ts TIMESTAMP)")
    inserted = await call(
        binding,
        "exec",
        f"INSERT INTO {table} (id, c1, ts) VALUES (1, 'demo', '2020-09-24T11:45:05+07:00')",
    )
    assert inserted is not None and inserted.metadata["rows-affected"] == "1"
    await call(
        binding,
        "exec",
        f"INSERT INTO {table} (id, c1, ts) VALUES ($1, $2, $3)",
        '[2, "demo2", "2021-03-19T11:45:05+07:00"]',
    )
    assert await query(binding, f"SELECT * FROM {table} WHERE id = 1") == (
        '[[1,"demo","2020-09-24T11:45:05Z"]]'
    )
    assert await query(
        binding, f"SELECT * FROM {table} WHERE id = ANY($1) ORDER BY id", "[[1, 2]]"
    ) == ('[[1,"demo","2020-09-24T11:45:05Z"],[2,"demo2","2021-03-19T11:45:05Z"]]')
    updated = await call(binding, "exec", f"UPDATE {table} SET c1 = $1", '["x"]')
    assert updated is not None and updated.metadata["rows-affected"] == "2"


async def test_response_metadata_is_daprds(binding) -> None:
    response = await call(binding, "exec", "SELECT 1; SELECT 2")
    assert response is not None and response.data == b""
    meta = dict(response.metadata)
    assert set(meta) == {"operation", "sql", "start-time", "end-time", "duration", "rows-affected"}
    assert (meta["operation"], meta["sql"], meta["rows-affected"]) == (
        "exec",
        "SELECT 1; SELECT 2",
        "1",
    )
    assert RFC3339_NANO.fullmatch(meta["start-time"]) and RFC3339_NANO.fullmatch(meta["end-time"])
    assert meta["start-time"] <= meta["end-time"]
    assert GO_DURATION.fullmatch(meta["duration"])
    answered = await call(binding, "query", "SELECT 1")
    assert answered is not None
    assert set(answered.metadata) == {"operation", "sql", "start-time", "end-time", "duration"}


# (operation, sql, params, daprd's error)
FAILURES = [
    ("exec", "", None, "required metadata not set: sql"),
    ("query", "SELECT $1", '{"a":1}',
     "invalid metadata property params: failed to unserialize into an "
     "array: json: cannot unmarshal object into Go value of type []interface {}"),
    ("query", "SELECT $1", "[1", "invalid metadata property params: failed to unserialize into an "
     "array: unexpected end of JSON input"),
    ("query", "SELECT * FROM nosuch", None,
     'error executing query: ERROR: relation "nosuch" does not exist (SQLSTATE 42P01)'),
    ("query", "SELECT $1, $2", "[1]", "error executing query: expected 2 arguments, got 1"),
    ("exec", "SELECT $1, $2", "[1]", "error executing query: mismatched param and argument count"),
    ("query", "SELECT 1; SELECT 2", None,
     "error executing query: ERROR: cannot insert multiple commands into a prepared statement "
     "(SQLSTATE 42601)"),
    ("exec", "SELEC 1", None,
     'error executing query: ERROR: syntax error at or near "SELEC" (SQLSTATE 42601)'),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "sql", "params", "message"), FAILURES)
async def test_errors_are_worded_as_daprd_words_them(
    binding, operation, sql, params, message
) -> None:
    with pytest.raises(BindingInvokeError) as caught:
        await call(binding, operation, sql, params)
    assert str(caught.value) == message


async def test_a_failure_while_reading_rows_is_an_error(binding) -> None:
    # daprd ignores rows.Err() and answers `[]`; daprlite reports it (a deliberate difference).
    with pytest.raises(BindingInvokeError, match=r"division by zero \(SQLSTATE 22012\)"):
        await query(binding, "SELECT 1/0")


async def test_close_is_permanent_and_repeatable(binding) -> None:
    assert await binding.invoke(InvokeRequest(b"", {}, "close")) is None
    assert await binding.invoke(InvokeRequest(b"", {}, "close")) is None
    for operation in ("exec", "query"):
        with pytest.raises(BindingInvokeError, match=r"^component is closed$"):
            await call(binding, operation, "SELECT 1")


async def test_close_waits_for_the_query_in_flight(binding) -> None:
    slow = asyncio.create_task(query(binding, "SELECT pg_sleep(0.3), 1"))
    # The query holds a pooled connection before close is asked (the pool's own count).
    await eventually(lambda: binding._pool._busy == 1, "the query to take a connection", timeout=10)
    await binding.invoke(InvokeRequest(b"", {}, "close"))
    assert slow.done() and slow.result() == '[["",1]]'


async def test_concurrent_calls_share_a_small_pool(postgres_server) -> None:
    output = PostgresOutput()
    await output.init(component({"url": postgres_server.dsn(), "maxConns": "2"}))
    try:
        results = await asyncio.gather(*(query(output, f"SELECT {n}") for n in range(10)))
    finally:
        await output.close()
    assert results == [f"[[{n}]]" for n in range(10)]


async def test_separate_fields_override_the_connection_string(postgres_server) -> None:
    output = PostgresOutput()
    await output.init(
        component(
            {
                "connectionString": "host=nowhere.invalid user=nobody database=nodb port=1",
                "host": postgres_server.host,
                "port": str(postgres_server.port),
                "user": postgres_server.user,
                "password": postgres_server.password,
                "database": postgres_server.database,
            }
        )
    )
    try:
        assert await query(output, "SELECT current_database(), current_user") == (
            f'[["{postgres_server.database}","{postgres_server.user}"]]'
        )
    finally:
        await output.close()


async def test_a_url_connection_string_and_runtime_parameters(postgres_server) -> None:
    output = PostgresOutput()
    url = postgres_server.url() + "?application_name=daprlite-test&search_path=pg_catalog"
    await output.init(component({"connectionString": url}))
    try:
        assert await query(
            output, "SELECT current_setting('application_name'), current_setting('search_path')"
        ) == ('[["daprlite-test","pg_catalog"]]')
    finally:
        await output.close()


@pytest.mark.parametrize("spelling", ["password", "connectionString"])
async def test_a_wrong_password_fails_init_without_showing_it(postgres_server, spelling) -> None:
    secret = "Wr0ng-Secret-value"
    metadata = (
        {"connectionString": postgres_server.dsn(password=secret)}
        if spelling == "connectionString"
        else {"connectionString": postgres_server.dsn(password="x"), "password": secret}
    )
    output = PostgresOutput()
    with pytest.raises(ComponentInitError) as caught:
        await output.init(component(metadata))
    await output.close()
    message = str(caught.value)
    assert message.startswith(
        "[INIT_COMPONENT_FAILURE]: initialization error occurred for pg (bindings.postgresql/v1): "
        f"failed to ping the DB: failed to connect to `user={postgres_server.user} "
        f"database={postgres_server.database}`:"
    )
    assert 'password authentication failed for user "postgres"' in message
    assert secret not in message and "Secret" not in message


async def test_a_password_with_spaces_breaks_as_in_daprd_but_is_never_shown(
    postgres_server,
) -> None:
    # daprd splits the merged string on spaces, so pgx cannot parse it; pgx's own redaction
    # would leave "Secret-part" in the message.
    output = PostgresOutput()
    with pytest.raises(ComponentInitError) as caught:
        await output.init(component({"connectionString": "host=x", "password": "my Secret-part"}))
    message = str(caught.value)
    assert "failed to parse connection string: cannot parse `host=x password=xxxxx" in message
    assert "Secret-part" not in message and "my Secret" not in message


async def test_an_unknown_database_and_a_closed_port_fail_init(postgres_server) -> None:
    for dsn, reason in (
        (postgres_server.dsn(database="nodb"), 'database "nodb" does not exist'),
        (postgres_server.dsn(port="1"), "Connection refused"),
    ):
        output = PostgresOutput()
        with pytest.raises(
            ComponentInitError, match="failed to ping the DB: failed to connect to"
        ) as caught:
            await output.init(component({"url": dsn}))
        await output.close()
        assert reason in str(caught.value)

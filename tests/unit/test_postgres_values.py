"""bindings.postgres values without a server: parameters out, PostgreSQL's text in, Go's JSON out.

Expected JSON was printed by pgx v5.7.4 + encoding/json for the same server texts (timestamptz
rows with TZ=Asia/Kolkata, whose offset before 1854 was local mean time, +05:53:28).
"""

from __future__ import annotations

import pytest

from daprlite.bindings.postgres.output import rows_affected
from daprlite.bindings.postgres.params import as_text, decode_params
from daprlite.bindings.postgres.render import ReadError, Renderer, SerializeError, array_items
from daprlite.gocompat.json import decode
from daprlite.model.errors import BindingInvokeError


def kolkata(unix: int) -> int:
    return 21208 if unix < -3645237208 else 19800  # LMT until 1854, then +05:30 (simplified)


@pytest.mark.parametrize(
    ("oid", "text", "expected"),
    [
        (1184, "2020-09-24 04:45:05.1234+00", '"2020-09-24T10:15:05.1234+05:30"'),
        (1184, "1800-01-01 00:00:00+00", '"1800-01-01T05:53:28+05:53"'),
        (1184, "2020-09-24 11:45:05+07:00", '"2020-09-24T10:15:05+05:30"'),
        (1114, "0001-01-01 00:00:00 BC", '"0000-01-01T00:00:00Z"'),
        (1082, "infinity", "1"),
        (
            1186,
            "-1 days +02:00:00",
            '{"Microseconds":7200000000,"Days":-1,"Months":0,"Valid":true}',
        ),
        (1700, "-0.0001", "-0.0001"),
        (1700, "0.000", "0"),
        (700, "3.4e+38", "3.4e+38"),
        (17, "\\x", '""'),
        (1007, "{{1,2},{3,NULL}}", "[1,2,3,null]"),
        (1009, '{"a,b","c\\"d",NULL,"NULL"}', '["a,b","c\\"d",null,"NULL"]'),
        (790, "$1.00", '"$1.00"'),
    ],
)
def test_values_render_as_pgx_decodes_them(oid: int, text: str, expected: str) -> None:
    assert Renderer(kolkata).value(oid, text.encode()) == expected


def test_a_read_error_wins_over_an_earlier_value_go_cannot_write() -> None:
    # daprd decodes every row before it marshals: the bad JSON in row 2 is what it reports.
    renderer = Renderer(lambda _unix: 0)
    with pytest.raises(ReadError, match=r"^error reading result 'json: cannot unmarshal number"):
        renderer.rows([701, 114], iter([[b"NaN", b"1"], [b"1", b"1e400"]]))
    with pytest.raises(SerializeError, match=r"^json: unsupported value: NaN$"):
        renderer.rows([701, 114], iter([[b"NaN", b"1"], [b"1", b"2"]]))


def test_array_items_flatten_bounds_and_quotes() -> None:
    assert list(array_items('[2:3]={"x y",z}')) == ["x y", "z"]
    assert list(array_items("{}")) == []


@pytest.mark.parametrize(
    ("json_value", "text"),
    [
        ("2", "2"),
        ("2.5", "2.5"),
        ("1e21", "1e+21"),
        ("true", "true"),
        ('"2021-03-19T11:45:05+07:00"', "2021-03-19T11:45:05+07:00"),
        ("[1, 2]", '{"1","2"}'),  # quoted elements: the server reads them as any type
        ('[["a", null], ["b\\"", "c\\\\"]]', '{{"a",NULL},{"b\\"","c\\\\"}}'),
        ('{"b": 1, "a": "<"}', '{"a":"\\u003c","b":1}'),
        ("null", None),
    ],
)
def test_params_become_the_text_postgresql_reads(json_value: str, text: str | None) -> None:
    assert as_text(decode(json_value.encode())) == text


def test_params_that_are_not_an_array_are_refused_as_daprd_does() -> None:
    assert decode_params("") is None and decode_params("null") is None
    with pytest.raises(BindingInvokeError) as caught:
        decode_params('"x"')
    assert str(caught.value) == (
        "invalid metadata property params: failed to unserialize into an array: "
        "json: cannot unmarshal string into Go value of type []interface {}"
    )


@pytest.mark.parametrize(
    ("tag", "count"),
    [("INSERT 0 3", 3), ("UPDATE 2", 2), ("SELECT 1", 1), ("CREATE TABLE", 0), ("", 0)],
)
def test_rows_affected_reads_the_command_tag_as_pgx(tag: str, count: int) -> None:
    assert rows_affected(tag) == count

"""bindings.postgres metadata and connection strings: daprd's merge, pgx's parsing and texts.

The error texts were printed by pgx v5.7.4's pgxpool.ParseConfig for the same strings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.bindings.postgres.connstring import (
    ConnectionFields,
    keyword_value_settings,
    merge_keyword_value,
    parse,
)
from daprlite.bindings.postgres.settings import read_settings
from daprlite.model.component import Component
from daprlite.model.errors import ComponentInitError, MetadataError

PREFIX = "[INIT_COMPONENT_FAILURE]: initialization error occurred for pg (bindings.postgresql/v1): "


def component(**metadata: str) -> Component:
    return Component("pg", "bindings.postgresql", "v1", metadata, Path("pg.yaml"), 1)


def test_fields_replace_keys_in_place_and_the_rest_is_appended() -> None:
    merged = merge_keyword_value(
        "host=a port=1 sslmode=disable", {"host": "b", "password": "p", "database": "d"}
    )
    assert merged == "host=b port=1 sslmode=disable password=p database=d"


def test_keyword_value_parsing_follows_pgx() -> None:
    settings = keyword_value_settings(r"host = h  dbname='my db' password=a\ b user='o\'k'")
    # Outside quotes pgx keeps a backslash before a space (it only unescapes \\ and \').
    assert settings == {"host": "h", "database": "my db", "password": "a\\ b", "user": "o'k"}


def test_a_url_with_separate_fields() -> None:
    fields = ConnectionFields(
        connection_string="postgres://u:p%40ss@h:5432/db1?sslmode=disable&dbname=ignored",
        user="u2",
        database="db2",
    )
    settings = parse(fields).settings
    assert (settings["user"], settings["password"], settings["host"]) == ("u2", "p@ss", "h")
    assert (settings["port"], settings["sslmode"]) == ("5432", "disable")
    # pgx reads the path first and lets a dbname query parameter replace it.
    assert settings["database"] == "ignored"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "failed to build connection string"),
        (
            # daprd appends the field unquoted, so pgx sees `password=se cret`.
            {"connectionString": "host=x", "password": "se cret"},
            "failed to parse connection string: cannot parse `host=x password=xxxxx`: "
            "failed to parse as keyword/value (invalid keyword/value)",
        ),
        (
            {"connectionString": "host='x"},
            "failed to parse connection string: cannot parse `host='x`: failed to parse as "
            "keyword/value (unterminated quoted string in connection info string)",
        ),
        (
            {"connectionString": "host=h port=149763 password=pw"},
            "failed to parse connection string: cannot parse `host=h port=149763 password=xxxxx`: "
            'invalid port (strconv.ParseUint: parsing "149763": value out of range)',
        ),
        (
            {"connectionString": "host=h pool_max_conns=x"},
            "failed to parse connection string: cannot parse pool_max_conns: "
            'strconv.ParseInt: parsing "x": invalid syntax',
        ),
        (
            {"connectionString": "host=h sslmode=sometimes"},
            "failed to parse connection string: cannot parse `host=h sslmode=sometimes`: "
            "failed to configure TLS (sslmode is invalid)",
        ),
        ({"connectionString": "host=h", "timeout": "0"},
         "invalid value for 'timeout': must be greater than 1s"),
        ({"connectionString": "host=h", "queryExecMode": "fast"},
         "invalid queryExecMode metadata value: fast"),
    ],
)  # fmt: skip
def test_init_refusals_are_daprds(metadata: dict[str, str], message: str) -> None:
    with pytest.raises(ComponentInitError) as caught:
        read_settings(component(**metadata))
    assert str(caught.value) == PREFIX + message


def test_timeout_takes_seconds_and_go_durations() -> None:
    assert read_settings(component(url="host=h", timeout="42")).timeout == 42.0
    assert read_settings(component(url="host=h", timeoutInSeconds="1m")).timeout == 60.0
    assert read_settings(component(url="host=h")).timeout == 20.0
    with pytest.raises(MetadataError):
        read_settings(component(url="host=h", timeout="NaN"))


def test_pool_settings_and_runtime_parameters() -> None:
    settings = read_settings(
        component(
            connectionString="host=h user=u database=d pool_max_conns=10 search_path=a,b "
            "application_name=app default_query_exec_mode=exec",
            maxConns="3",
            connectionMaxIdleTime="30",
        )
    )
    config = settings.config
    assert (config.max_conns, config.max_idle, config.exec_mode) == (3, 30.0, "exec")
    kwargs = config.connect_kwargs
    assert (kwargs["host"], kwargs["user"], kwargs["dbname"]) == ("h", "u", "d")
    assert kwargs["application_name"] == "app"
    assert kwargs["options"] == "-c search_path=a,b"
    assert "pool_max_conns" not in str(kwargs)


def test_the_password_is_kept_out_of_repr() -> None:
    settings = read_settings(component(url="host=h password=Top-Secret-1"))
    assert "Top-Secret-1" not in repr(settings.config)
    assert settings.secrets == ("Top-Secret-1",)


def test_cloud_authentication_is_refused_with_a_reason() -> None:
    with pytest.raises(ComponentInitError, match="daprlite does not support useAzureAD"):
        read_settings(component(url="host=h", useAzureAD="true"))

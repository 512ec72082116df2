"""bindings.redis without a server: metadata read as components-contrib and go-redis read it,
the request TTL (rows printed by Go 1.26 running TryGetTTL's arithmetic), go-redis's back-off
and the wording of redis-py's failures."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import pytest
import redis.exceptions

from daprlite.bindings.redis.client import GoRedisBackoff
from daprlite.bindings.redis.errors import go_redis_text
from daprlite.bindings.redis.settings import read_settings
from daprlite.bindings.redis.ttl import expire_seconds
from daprlite.bindings.registry import BindingRegistry
from daprlite.components.loader import load_components
from daprlite.model.component import Component
from daprlite.model.errors import BindingInvokeError, ComponentInitError, MetadataError


def component(**metadata: str) -> Component:
    return Component("rb", "bindings.redis", "v1", metadata, Path("redis.yaml"), 1)


def test_defaults_are_go_redis_defaults() -> None:
    settings = read_settings(component(redisHost="localhost"))
    assert settings.host == "localhost:6379"
    assert (settings.db, settings.username, settings.password) == (0, "", "")
    assert (settings.dial_timeout, settings.read_timeout, settings.write_timeout) == (5, 3, None)
    assert settings.pool_timeout == 4.0  # readTimeout + 1 s
    assert settings.max_retries == 3
    assert (settings.min_retry_backoff, settings.max_retry_backoff) == (0.008, 0.512)
    assert settings.pool_size >= 10
    assert not settings.enable_tls


@pytest.mark.parametrize(
    ("metadata", "address"),
    [
        ({"redisHost": "127.0.0.1", "redisPort": "6380"}, "127.0.0.1:6380"),
        ({"redisHost": "::1"}, "[::1]:6379"),
        ({"redisHost": "[::1]:7000", "redisPort": "7000"}, "[::1]:7000"),
        ({"redisHost": "", "redisPort": "6380"}, "localhost:6379"),  # go-redis's empty address
        ({"REDISHOST": "cache:1234"}, "cache:1234"),
    ],
)
def test_address(metadata: dict[str, str], address: str) -> None:
    assert read_settings(component(**metadata)).host == address


def test_durations_bare_numbers_are_milliseconds_and_negative_is_off() -> None:
    settings = read_settings(
        component(
            redisHost="h",
            dialTimeout="10s",
            readTimeout="-1",
            writeTimeout="1500",
            redisMaxRetries="-1",
            redisMinRetryInterval="-1",
            redisMaxRetryInterval="3s",
            poolSize="7",
        )
    )
    assert settings.dial_timeout == 10
    assert settings.read_timeout is None
    assert settings.pool_timeout == 30.0  # go-redis's when reads have no timeout
    assert settings.write_timeout == 1.5
    assert settings.max_retries == 0
    assert (settings.min_retry_backoff, settings.max_retry_backoff) == (0.0, 3.0)
    assert settings.pool_size == 7


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"redisDB": "abc"}, "redisDB"),
        ({"redisPort": "70000"}, "redisPort"),
        ({"dialTimeout": "soon"}, "dialTimeout"),
        ({"enableTLS": "maybe"}, "enableTLS"),
    ],
)
def test_unreadable_values_name_the_field(metadata: dict[str, str], field: str) -> None:
    with pytest.raises(MetadataError) as caught:
        read_settings(component(redisHost="h", **metadata))
    assert caught.value.field == field


def test_a_list_of_hosts_is_refused() -> None:
    with pytest.raises(ComponentInitError, match="a list of hosts"):
        read_settings(component(redisHost="a:1,b:2"))


def test_the_password_is_not_in_the_settings_repr() -> None:
    settings = read_settings(component(redisHost="h", redisPassword="hunter2", clientKey="KEY"))
    assert "hunter2" not in repr(settings) and "KEY" not in repr(settings)
    assert settings.secrets == ("hunter2", "KEY")


# (metadata value, the EXPIRE seconds daprd sends), printed by Go.
TTLS = [
    ("1", 1),
    ("2", 2),
    ("9223372036", 9223372036),
    ("9223372037", 9223372036),  # seconds * 1e9 wraps negative: the maximum duration
    ("18446744074", 0),  # wraps to a small positive number of nanoseconds
    ("100000000000", 7766279631),
    ("9223372036854775807", 9223372036),
    ("1.5s", 1),
    ("999ms", 0),
    ("1h", 3600),
    ("-3s", 0),
    ("0", 0),
    ("2562047h47m16.854775807s", 9223372036),
    ("+7", 7),
]


@pytest.mark.parametrize(("value", "seconds"), TTLS)
def test_ttl_seconds_as_daprd_computes_them(value: str, seconds: int) -> None:
    assert expire_seconds({"ttl": value}) == seconds


def test_ttl_keys_are_case_insensitive_and_ttl_wins_even_empty() -> None:
    assert expire_seconds({"TTLinSECONDS": "5"}) == 5
    assert expire_seconds({"ttl": "7", "ttlInSeconds": "5"}) == 7
    assert expire_seconds({"ttl": "", "ttlInSeconds": "5"}) is None
    assert expire_seconds({"key": "k"}) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "ttl value must be a valid integer: actual is 'abc'"),
        ("0x1", "ttl value must be a valid integer: actual is '0x1'"),
        (
            "99999999999999999999",
            "ttl value must be a valid integer: actual is '99999999999999999999'",
        ),
        ("-05", "ttl value must be higher than zero: actual is '-5'"),
    ],
)
def test_ttl_refusals(value: str, message: str) -> None:
    with pytest.raises(BindingInvokeError) as caught:
        expire_seconds({"ttlInSeconds": value})
    assert str(caught.value) == message


def test_backoff_stays_between_min_and_max() -> None:
    backoff = GoRedisBackoff(0.1, 3.0)
    for failures in range(1, 12):
        pause = backoff.compute(failures)
        assert 0.1 <= pause <= min(0.1 * (1 + 2 ** (failures - 1)), 3.0)
    assert GoRedisBackoff(0.0, 3.0).compute(5) == 0.0


def _connection_error(cause: BaseException, text: str) -> redis.exceptions.ConnectionError:
    try:
        try:
            raise cause
        except BaseException:
            raise redis.exceptions.ConnectionError(text)  # noqa: B904 -- as redis-py raises it
    except redis.exceptions.ConnectionError as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (
            redis.exceptions.ResponseError(
                "value is not an integer or out of range", status_code="ERR"
            ),
            "ERR value is not an integer or out of range",
        ),
        (
            redis.exceptions.ResponseError(
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            ),
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (
            redis.exceptions.AuthenticationError("Authentication required.", status_code="NOAUTH"),
            "NOAUTH Authentication required.",
        ),
        (
            _connection_error(OSError(errno.ECONNREFUSED, "refused"), "Error 111 connecting"),
            "dial tcp 127.0.0.1:6379: connect: connection refused",
        ),
        (
            _connection_error(socket.gaierror(-2, "Name or service not known"), "Error -2"),
            "dial tcp: lookup 127.0.0.1: no such host",
        ),
        (
            redis.exceptions.ConnectionError("No connection available."),
            "redis: connection pool timeout",
        ),
        (redis.exceptions.ConnectionError("Connection closed by server."), "EOF"),
        (
            redis.exceptions.TimeoutError("Timeout reading from 127.0.0.1:6379"),
            "read tcp 127.0.0.1:6379: i/o timeout",
        ),
        (
            redis.exceptions.TimeoutError("Timeout connecting to server"),
            "dial tcp 127.0.0.1:6379: i/o timeout",
        ),
        (TimeoutError(), "context deadline exceeded"),
    ],
)
def test_failures_read_as_go_redis_words_them(exc: BaseException, text: str) -> None:
    assert go_redis_text(exc, "127.0.0.1:6379") == text


def test_the_example_component_loads_and_checks() -> None:
    examples = Path(__file__).parents[2] / "components" / "examples"
    registry = BindingRegistry()
    # One file: the other examples are alternatives of each other (all named sample-topic).
    example = examples / "redis_bindings.yaml"
    loaded = [c for c in load_components([example], catalogue=registry) if c.name == "cache"]
    assert [c.type for c in loaded] == ["bindings.redis"]
    registry.check(loaded[0])
    assert read_settings(loaded[0]).host == "localhost:6379"
    # The quickstart's resourcesPath (../components) reads no sub-folder: the example stays out.
    quickstart = load_components([examples.parent], catalogue=registry)
    assert "cache" not in [c.name for c in quickstart]

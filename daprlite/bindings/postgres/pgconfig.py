"""pgx's settings map turned into what daprlite connects with: libpq keywords for psycopg, and the
pool's sizes and ages. Checks and error texts follow pgx's ParseConfig, pgx.ParseConfig and
pgxpool.ParseConfig, in that order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from daprlite.bindings.postgres.connstring import ConnectionStringError, Parsed, parse_error
from daprlite.gocompat.duration import parse_duration
from daprlite.gocompat.strconv import NumError, parse_int

EXEC_MODES = ("cache_statement", "cache_describe", "describe_exec", "exec", "simple_protocol")
# Settings pgx uses itself rather than sending to the server as run-time parameters.
_NOT_RUNTIME = frozenset(
    {
        "host",
        "port",
        "database",
        "user",
        "password",
        "passfile",
        "connect_timeout",
        "sslmode",
        "sslkey",
        "sslcert",
        "sslrootcert",
        "sslpassword",
        "sslsni",
        "krbspn",
        "krbsrvname",
        "target_session_attrs",
        "service",
        "servicefile",
        "statement_cache_capacity",
        "description_cache_capacity",
        "default_query_exec_mode",
        "pool_max_conns",
        "pool_min_conns",
        "pool_min_idle_conns",
        "pool_max_conn_lifetime",
        "pool_max_conn_idle_time",
        "pool_health_check_period",
        "pool_max_conn_lifetime_jitter",
    }
)
# Passed to libpq under the same keyword when present.
_LIBPQ_KEYS = (
    "host",
    "port",
    "user",
    "password",
    "passfile",
    "connect_timeout",
    "sslmode",
    "sslkey",
    "sslcert",
    "sslrootcert",
    "sslpassword",
    "sslsni",
    "krbsrvname",
    "target_session_attrs",
    "service",
)
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_SESSION_ATTRS = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")


@dataclass(frozen=True, slots=True)
class PgConfig:
    # libpq keywords for psycopg's connect(); holds the password, so kept out of repr.
    connect_kwargs: dict[str, Any] = field(repr=False)
    user: str
    database: str
    max_conns: int
    max_lifetime: float  # seconds
    max_idle: float  # seconds
    exec_mode: str


def pg_config(parsed: Parsed) -> PgConfig:
    """Validate as pgx does and translate; raises ConnectionStringError with daprd's text."""
    settings, shown = dict(parsed.settings), parsed.shown
    if "connect_timeout" in settings:
        problem = _go_int(settings["connect_timeout"], "ParseInt", 64)
        if problem is None and int(settings["connect_timeout"]) < 0:
            problem = "negative timeout"
        if problem:
            raise parse_error(shown, "invalid connect_timeout", problem)
    hosts, ports = settings["host"].split(","), settings["port"].split(",")
    for index, host in enumerate(hosts):
        port = ports[index] if index < len(ports) else ports[0]
        problem = _go_int(port, "ParseUint", 16, unsigned=True)
        if problem is None and not 1 <= int(port) <= 65535:
            problem = "outside range"
        if problem:
            raise parse_error(shown, "invalid port", problem)
        if not host.startswith("/"):
            tls_problem = _tls_problem(settings)
            if tls_problem:
                raise parse_error(shown, "failed to configure TLS", tls_problem)
    attrs = settings.get("target_session_attrs", "any")
    if attrs not in _SESSION_ATTRS:
        raise parse_error(shown, f"unknown target_session_attrs value: {attrs}")
    for key in ("statement_cache_capacity", "description_cache_capacity"):
        if key in settings and (problem := _go_int(settings[key], "ParseInt", 32)):
            raise ConnectionStringError(
                f"failed to parse connection string: cannot parse {key}: {problem}"
            )
    mode = settings.get("default_query_exec_mode", "cache_statement")
    if mode not in EXEC_MODES:
        raise ConnectionStringError(
            f"failed to parse connection string: invalid default_query_exec_mode: {mode}"
        )
    max_conns = max(4, os.cpu_count() or 1)
    if "pool_max_conns" in settings:
        max_conns = _pool_int(settings, "pool_max_conns")
        if max_conns < 1:
            raise ConnectionStringError(
                f"failed to parse connection string: pool_max_conns too small: {max_conns}"
            )
    for key in ("pool_min_conns", "pool_min_idle_conns"):
        if key in settings:
            _pool_int(settings, key)  # checked as pgx does; connections open on demand here
    lifetime = _pool_duration(settings, "pool_max_conn_lifetime", 3600.0)
    idle = _pool_duration(settings, "pool_max_conn_idle_time", 1800.0)
    _pool_duration(settings, "pool_health_check_period", 60.0)
    _pool_duration(settings, "pool_max_conn_lifetime_jitter", 0.0)
    return PgConfig(
        connect_kwargs=_libpq_kwargs(settings),
        user=settings.get("user", ""),
        database=settings.get("database", ""),
        max_conns=max_conns,
        max_lifetime=lifetime,
        max_idle=idle,
        exec_mode=mode,
    )


def _libpq_kwargs(settings: dict[str, str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {key: settings[key] for key in _LIBPQ_KEYS if key in settings}
    if "database" in settings:
        kwargs["dbname"] = settings["database"]
    # pgx speaks UTF-8 to the server; so does daprlite, whatever the database's encoding.
    kwargs["client_encoding"] = "UTF8"
    options = []
    for key, value in settings.items():
        if key in _NOT_RUNTIME:
            continue
        if key in ("application_name", "client_encoding", "options"):
            kwargs[key] = value  # libpq knows these; the others go as `-c` options
        else:
            options.append(f"-c {_escape_option(key)}={_escape_option(value)}")
    if options:
        kwargs["options"] = " ".join(filter(None, [kwargs.get("options", ""), *options]))
    return kwargs


def _escape_option(text: str) -> str:
    # libpq splits `options` on spaces; a backslash keeps one.
    return text.replace("\\", "\\\\").replace(" ", "\\ ")


def _tls_problem(settings: dict[str, str]) -> str | None:
    mode = settings.get("sslmode") or "prefer"
    root = settings.get("sslrootcert", "")
    if root and root != "system" and not os.path.isfile(root):
        return f"unable to read CA file: open {root}: no such file or directory"
    if mode not in _SSL_MODES:
        return "sslmode is invalid"
    if mode != "disable" and bool(settings.get("sslcert")) != bool(settings.get("sslkey")):
        return 'both "sslcert" and "sslkey" are required'
    return None


def _go_int(text: str, function: str, bits: int, unsigned: bool = False) -> str | None:
    """Go's strconv error for `text`, or None when it parses."""
    try:
        parse_int(text, bits, unsigned=unsigned, function=function)
    except NumError as exc:
        return str(exc)
    return None


def _pool_int(settings: dict[str, str], key: str) -> int:
    problem = _go_int(settings[key], "ParseInt", 32)
    if problem:
        raise ConnectionStringError(
            f"failed to parse connection string: cannot parse {key}: {problem}"
        )
    return int(settings[key])


def _pool_duration(settings: dict[str, str], key: str, default: float) -> float:
    if key not in settings:
        return default
    text = settings[key]
    try:
        return parse_duration(text)
    except ValueError as exc:
        reason = str(exc)
        if reason.endswith("missing unit"):
            go = f'time: missing unit in duration "{text}"'
        elif "unknown unit" in reason:
            unit = reason.rsplit("unknown unit ", 1)[1].strip("'\"")
            go = f'time: unknown unit "{unit}" in duration "{text}"'
        else:
            go = f'time: invalid duration "{text}"'
        raise ConnectionStringError(
            f"failed to parse connection string: invalid {key}: {go}"
        ) from None

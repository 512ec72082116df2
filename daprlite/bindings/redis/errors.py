"""redis-py's failures worded as go-redis words them, so that daprlite's messages read as
daprd's do: a server's error reply verbatim (`ERR value is not an integer or out of range`),
network failures in Go's `dial tcp <addr>: ...` style."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable

import redis.exceptions

_CONNECT_REASONS = {
    errno.ECONNREFUSED: "connect: connection refused",
    errno.ECONNRESET: "connect: connection reset by peer",
    errno.EHOSTUNREACH: "connect: no route to host",
    errno.ENETUNREACH: "connect: network is unreachable",
}


def go_redis_text(exc: BaseException, address: str) -> str:
    """What go-redis's error would say for `exc`, met talking to `address` (`host:port`)."""
    if isinstance(exc, TimeoutError) and not isinstance(exc, redis.exceptions.RedisError):
        return "context deadline exceeded"  # one of daprlite's own deadlines (a write's)
    if isinstance(exc, redis.exceptions.TimeoutError):
        verb = "dial" if "connecting" in str(exc) else "read"
        return f"{verb} tcp {address}: i/o timeout"
    if isinstance(exc, redis.exceptions.ConnectionError) and not exc.status_code:
        return _connection_text(exc, address)
    if isinstance(exc, redis.exceptions.RedisError):
        # redis-py strips a known error code off the reply and keeps it aside.
        text = str(exc)
        return f"{exc.status_code} {text}" if exc.status_code else text
    return str(exc) or type(exc).__name__


def _connection_text(exc: redis.exceptions.ConnectionError, address: str) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, socket.gaierror):
        host = address.rpartition(":")[0].strip("[]")
        return f"dial tcp: lookup {host}: no such host"
    if isinstance(cause, OSError) and cause.errno in _CONNECT_REASONS:
        return f"dial tcp {address}: {_CONNECT_REASONS[cause.errno]}"
    text = str(exc)
    if text.startswith("No connection available"):
        return "redis: connection pool timeout"
    if "closed by server" in text or "Connection reset" in text:
        return "EOF"  # what go-redis reads from a connection the server dropped
    return text


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced, longest first (`secrets` comes sorted so)."""
    for secret in secrets:
        text = text.replace(secret, "xxxxx")
    return text

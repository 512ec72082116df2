"""The redis-py asyncio client of one component, configured as daprd's go-redis client is: a
pool of at most `poolSize` connections, each command retried on network failures with
go-redis's back-off, TLS from the component's fields."""

from __future__ import annotations

import random
import ssl
from collections.abc import Mapping
from typing import Any

import redis.asyncio
import redis.exceptions
from redis.asyncio.connection import BlockingConnectionPool, Connection
from redis.asyncio.retry import Retry
from redis.backoff import AbstractBackoff

from daprlite.bindings.pemfile import private_file
from daprlite.bindings.redis.settings import RedisSettings
from daprlite.gocompat.netaddr import split_host_port

# go-redis retries these; a server's other error replies are answers, not failures.
RETRIED = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ClusterDownError,
)


class ClientProblem(Exception):
    """The settings cannot make a client (a bad port, unusable TLS material)."""


class UnknownPort(Exception):
    """The port in redisHost is not a number: go-redis fails to dial it, so Init's ping does."""


class GoRedisBackoff(AbstractBackoff):
    """go-redis's RetryBackoff: the n-th retry waits min + rand[0, min << n), at most max."""

    def __init__(self, minimum: float, maximum: float) -> None:
        self._min, self._max = minimum, maximum

    def reset(self) -> None:
        pass

    def compute(self, failures: int) -> float:
        if self._min <= 0:
            return 0.0
        spread = self._min * 2.0 ** max(failures - 1, 0)
        pause: float = self._min + random.random() * spread
        return min(pause, self._max)


class _TLSConnection(Connection):
    """A TCP connection wrapped in one SSLContext shared by the whole pool."""

    def __init__(self, *, tls_context: ssl.SSLContext, **kwargs: Any) -> None:
        self._tls_context = tls_context
        super().__init__(**kwargs)

    def _connection_arguments(self) -> Mapping[str, Any]:
        return {**super()._connection_arguments(), "ssl": self._tls_context}


def create_client(settings: RedisSettings) -> redis.asyncio.Redis:
    """A client that connects on first use. Blocking (TLS key loading): call it through
    `asyncio.to_thread` when TLS is on."""
    host, port = _host_port(settings.host)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "db": settings.db,
        "username": settings.username or None,
        "password": settings.password or None,
        "socket_timeout": settings.read_timeout,
        "socket_connect_timeout": settings.dial_timeout,
        # RESP2: no HELLO on connect, so a missing login reads as daprd reports it ("NOAUTH
        # Authentication required."); the commands used answer alike in RESP2 and RESP3.
        "protocol": 2,
        "retry": Retry(
            GoRedisBackoff(settings.min_retry_backoff, settings.max_retry_backoff),
            settings.max_retries,
            supported_errors=RETRIED,
        ),
    }
    if settings.enable_tls:
        options["connection_class"] = _TLSConnection
        options["tls_context"] = tls_context(settings)
    pool = BlockingConnectionPool(
        max_connections=settings.pool_size, timeout=settings.pool_timeout, **options
    )
    return redis.asyncio.Redis.from_pool(pool)  # closing the client closes the pool


def _host_port(address: str) -> tuple[str, int]:
    host, port = split_host_port(address)
    if not port.isdigit() or int(port) > 0xFFFF:
        raise UnknownPort(f"dial tcp: lookup tcp/{port}: unknown port")
    return host or "localhost", int(port)


def tls_context(settings: RedisSettings) -> ssl.SSLContext:
    """Go's tls.Config of the binding: system roots and TLS 1.2 at least, or no checks at all
    with insecureSkipTLSVerify; a client certificate when both PEM fields are set."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.load_default_certs()
    if settings.client_cert and settings.client_key:
        _load_key_pair(context, settings.client_cert.encode(), settings.client_key.encode())
    return context


def _load_key_pair(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # Go's tls.X509KeyPair takes PEM text; the texts here are its errors' own.
    if b"-----BEGIN" not in cert:
        raise ClientProblem("tls: failed to find any PEM data in certificate input")
    if b"-----BEGIN" not in key:
        raise ClientProblem("tls: failed to find any PEM data in key input")
    with private_file(cert) as cert_path, private_file(key) as key_path:
        try:
            # An empty password: an encrypted key fails here instead of prompting on stdin.
            context.load_cert_chain(cert_path, key_path, password=b"")
        except ssl.SSLError as exc:
            if "KEY_VALUES_MISMATCH" in str(exc):
                raise ClientProblem("tls: private key does not match public key") from None
            raise ClientProblem("tls: failed to parse private key") from None

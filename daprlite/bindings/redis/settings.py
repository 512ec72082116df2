"""The component's metadata, read as components-contrib's shared Redis settings read it, with
go-redis's defaults applied (the v9 client, which daprd picks for Redis 7 and later)."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field

from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.duration import DurationError, parse_duration_nanos
from daprlite.gocompat.netaddr import AddrError, join_host_port, split_host_port
from daprlite.gocompat.strconv import quote
from daprlite.model.component import Component
from daprlite.model.errors import ComponentInitError

log = logging.getLogger("daprlite.bindings.redis")

DEFAULT_PORT = "6379"
DEFAULT_ADDRESS = "localhost:6379"  # go-redis's address when redisHost is empty
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_NANOS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class RedisSettings:
    """Every limit in seconds; None means "no limit" (go-redis's -1)."""

    host: str  # `host:port` as daprd resolves it; named in errors
    db: int
    username: str
    password: str = field(repr=False)
    dial_timeout: float | None
    read_timeout: float | None
    write_timeout: float | None  # only when set: bounds each whole write, retries included
    pool_size: int
    pool_timeout: float
    max_retries: int
    min_retry_backoff: float
    max_retry_backoff: float
    enable_tls: bool
    insecure_skip_verify: bool
    client_cert: str = field(repr=False)  # PEM text
    client_key: str = field(repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never show in a message: scrubbed from every error text."""
        found = {self.password, self.client_key}
        return tuple(sorted((s for s in found if s), key=len, reverse=True))


def read_settings(component: Component) -> RedisSettings:
    """Raises MetadataError for an unreadable value, ComponentInitError with daprd's text for
    what daprd's Init refuses, and for the modes daprlite does not build."""
    meta = MetadataReader(component)
    _refuse_unbuilt(meta, component)
    read_timeout = _timeout(meta, "readTimeout", 3.0)
    pool_timeout = _duration(meta, "poolTimeout")
    if pool_timeout is None or pool_timeout <= 0:
        pool_timeout = read_timeout + 1.0 if read_timeout else 30.0
    write_timeout = _duration(meta, "writeTimeout")
    retries = meta.integer("redisMaxRetries", 0)
    return RedisSettings(
        host=_address(meta, component),
        db=meta.integer("redisDB", 0, minimum=0),
        username=meta.text("redisUsername") or "",
        password=meta.text("redisPassword") or "",
        dial_timeout=_timeout(meta, "dialTimeout", 5.0),
        read_timeout=read_timeout,
        write_timeout=write_timeout if write_timeout and write_timeout > 0 else None,
        pool_size=meta.integer("poolSize", 0, minimum=0) or 10 * (os.cpu_count() or 1),
        pool_timeout=pool_timeout,
        # go-redis: 0 means its default of 3, -1 (and any other negative) none at all.
        max_retries=3 if retries == 0 else max(retries, 0),
        min_retry_backoff=_backoff(meta, "redisMinRetryInterval", 0.008),
        max_retry_backoff=_backoff(meta, "redisMaxRetryInterval", 0.512),
        enable_tls=meta.boolean("enableTLS", False),
        insecure_skip_verify=meta.boolean("insecureSkipTLSVerify", False),
        client_cert=meta.text("clientCert") or "",
        client_key=meta.text("clientKey") or "",
    )


def _refuse_unbuilt(meta: MetadataReader, component: Component) -> None:
    # Exact spelling, as daprd compares it: any other redisType value is a single node there.
    if meta.text("redisType") == "cluster":
        raise ComponentInitError(
            component.log_name,
            "daprlite does not support redisType cluster: it talks to one Redis node; "
            "point redisHost at a single node (redisType node)",
        )
    if meta.boolean("failover", False):
        raise ComponentInitError(
            component.log_name,
            "daprlite does not support failover (Redis Sentinel): point redisHost at the "
            "Redis node itself and leave failover out",
        )
    for cloud in ("useEntraID", "useAzureAD", "useOIDC"):
        if meta.boolean(cloud, False):
            raise ComponentInitError(
                component.log_name,
                f"daprlite does not support {cloud}: it runs against local servers; "
                "use redisUsername and redisPassword",
            )
    kind = meta.text("redisType") or "node"
    if kind != "node":
        log.warning(
            "component %s: redisType %r is not node or cluster; using a single node, as daprd does",
            component.name,
            kind,
        )


def _address(meta: MetadataReader, component: Component) -> str:
    """components-contrib's resolveHost for one node: the port from redisHost, else redisPort,
    else 6379; both given and different is an error."""
    host = meta.text("redisHost") or ""
    port = meta.integer("redisPort", 0, minimum=0)
    if port > 0xFFFF:
        raise meta.error("redisPort", f"must be a port number (0 to 65535), got {port}")
    if not host:
        log.warning(
            "component %s: redisHost is empty; connecting to %s, as daprd does",
            component.name,
            DEFAULT_ADDRESS,
        )
        return DEFAULT_ADDRESS
    if "," in host:
        # daprd resolves each entry of a list, then the node client dials the whole text.
        raise ComponentInitError(
            component.log_name,
            "daprlite does not support a list of hosts in redisHost: name one Redis node",
        )
    try:
        _, existing = split_host_port(host)
    except AddrError:
        return join_host_port(host, str(port) if port else DEFAULT_PORT)
    if port and str(port) != existing:
        raise ComponentInitError(
            component.log_name,
            f"redis client configuration error: redis host {quote(host)} already contains "
            f"port {existing}, but redisPort is set to {port}; either remove the port from "
            "redisHost or remove the redisPort setting",
        )
    return host


def _duration(meta: MetadataReader, key: str) -> float | None:
    """components-contrib's redis Duration: a bare whole number is milliseconds (a negative
    one means "off"), anything else a Go duration. Seconds; None when absent."""
    value = (meta.text(key) or "").strip()
    if not value:
        return None
    if _INTEGER.fullmatch(value):
        number = int(value)
        return -1.0 if number < 0 else number / 1000
    try:
        return parse_duration_nanos(value) / _NANOS
    except DurationError:
        raise meta.error(
            key, f"must be a duration such as 500ms, 5s or 1m, or -1 for none, got {value!r}"
        ) from None


def _timeout(meta: MetadataReader, key: str, default: float) -> float | None:
    """go-redis's rule for its timeouts: unset or 0 takes the default, negative means none."""
    value = _duration(meta, key)
    if value is None or value == 0:
        return default
    return None if value < 0 else value


def _backoff(meta: MetadataReader, key: str, default: float) -> float:
    value = _duration(meta, key)
    if value is None or value == 0:
        return default
    return max(value, 0.0)  # -1: no pause between retries

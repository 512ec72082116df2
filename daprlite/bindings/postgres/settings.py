"""The component's metadata, read as components-contrib's psqlMetadata and GetPgxPoolConfig do."""

from __future__ import annotations

from dataclasses import dataclass, replace

from daprlite.bindings.postgres.connstring import ConnectionFields, ConnectionStringError, parse
from daprlite.bindings.postgres.pgconfig import EXEC_MODES, PgConfig, pg_config
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component
from daprlite.model.errors import ComponentInitError

DEFAULT_TIMEOUT = 20.0  # seconds; bounds connecting (and so Init's ping)


@dataclass(frozen=True, slots=True)
class PostgresSettings:
    config: PgConfig
    timeout: float
    secrets: tuple[str, ...]  # every password the metadata holds, scrubbed from all messages


def read_settings(component: Component) -> PostgresSettings:
    """Raises MetadataError for an unreadable value, ComponentInitError with daprd's text for
    what daprd's Init refuses."""
    meta = MetadataReader(component)
    fields = ConnectionFields(
        # daprd's decoder takes the alias only when the field itself is not set.
        connection_string=meta.text("connectionString") or meta.text("url") or "",
        host=meta.text("host") or "",
        hostaddr=meta.text("hostaddr") or "",
        port=meta.text("port") or "",
        database=meta.text("database") or "",
        user=meta.text("user") or "",
        password=meta.text("password") or "",
        ssl_root_cert=meta.text("sslRootCert") or "",
    )
    key = "timeout" if meta.explicit("timeout") else "timeoutInSeconds"
    timeout = meta.duration(key, DEFAULT_TIMEOUT, bare_unit="s")
    max_conns = meta.integer("maxConns", 0)
    max_idle = meta.duration("connectionMaxIdleTime", 0.0, bare_unit="s")
    exec_mode = meta.text("queryExecMode") or ""
    for cloud in ("useAzureAD", "useAWSIAM"):
        if meta.boolean(cloud, False):
            raise ComponentInitError(
                component.log_name,
                f"daprlite does not support {cloud}: it runs against local databases; "
                "use a password (connectionString or the password field)",
            )
    try:
        parsed = parse(fields)
        config = pg_config(parsed)
        if timeout < 1.0:
            raise ConnectionStringError("invalid value for 'timeout': must be greater than 1s")
    except ConnectionStringError as exc:
        raise ComponentInitError(component.log_name, scrub(str(exc), _secrets(fields))) from None
    if max_idle > 0:
        config = replace(config, max_idle=max_idle)
    if max_conns > 1:
        config = replace(config, max_conns=max_conns)
    if exec_mode:
        if exec_mode not in EXEC_MODES:
            raise ComponentInitError(
                component.log_name, f"invalid queryExecMode metadata value: {exec_mode}"
            )
        config = replace(config, exec_mode=exec_mode)
    password = str(config.connect_kwargs.get("password", ""))
    return PostgresSettings(config, timeout, _secrets(fields, password))


def _secrets(fields: ConnectionFields, *more: str) -> tuple[str, ...]:
    found = {fields.password, *more}
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced, longest first so no part of one is left behind."""
    for secret in secrets:
        text = text.replace(secret, "xxxxx")
    return text

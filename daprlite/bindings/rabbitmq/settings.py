"""The RabbitMQ component's metadata, decoded and checked as daprd's binding reads it, plus
daprlite's own opt-in fields (dead-letter queue, retry policy, publish timeout)."""

from __future__ import annotations

import logging
import os
import ssl
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from pamqp.common import FieldValue

from daprlite.bindings.delivery import DeliveryPolicy
from daprlite.bindings.rabbitmq.ttl import ttl_nanos
from daprlite.bindings.retry import RetryPolicy
from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.strconv import NumError, parse_int
from daprlite.model.component import Component

log = logging.getLogger("daprlite.bindings.rabbitmq")

DEFAULT_RECONNECT_WAIT = 5.0  # daprd's reconnectWaitInSeconds default
# How long a publish may wait for the broker's confirm before the request fails (a 500).
DEFAULT_PUBLISH_TIMEOUT = 30.0
# prefetchCount 0 means "no limit" to the broker; daprlite asks for this many instead, so a
# slow app never pulls a whole backlog into the sidecar's memory.
DEFAULT_PREFETCH = 1000
_SCHEMES = ("amqp", "amqps")


@dataclass(frozen=True, slots=True)
class RabbitSettings:
    host: str  # the AMQP URL; may hold a password, so it is never logged (see `where`)
    queue: str
    durable: bool
    auto_delete: bool  # deleteWhenUnused
    exclusive: bool
    prefetch: int  # as written; 0 = unlimited in daprd
    max_priority: int | None
    queue_ttl_ms: int | None  # x-message-ttl
    reconnect_wait: float
    ca_cert: str
    client_cert: str
    client_key: str
    external_sasl: bool
    dead_letter_queue: str  # beyond daprd
    retry: RetryPolicy
    publish_timeout: float

    @classmethod
    def from_component(cls, component: Component) -> RabbitSettings:
        meta = MetadataReader(component)
        host = meta.required("host")
        scheme = urlsplit(host).scheme.lower()
        if scheme not in _SCHEMES:
            raise meta.error("host", "must be an amqp:// or amqps:// URL")
        settings = cls(
            host=host,
            queue=meta.required("queueName"),
            durable=meta.boolean("durable", False),
            auto_delete=meta.boolean("deleteWhenUnused", False),
            exclusive=meta.boolean("exclusive", False),
            prefetch=meta.integer("prefetchCount", 0, minimum=0),
            max_priority=_max_priority(meta),
            queue_ttl_ms=_queue_ttl_ms(meta),
            reconnect_wait=meta.duration(
                "reconnectWaitInSeconds", DEFAULT_RECONNECT_WAIT, bare_unit="s"
            ),
            ca_cert=_pem(meta, "caCert"),
            client_cert=_pem(meta, "clientCert"),
            client_key=_pem(meta, "clientKey"),
            # daprd reads both spellings: the struct's `externalSasl`, and `saslExternal`.
            external_sasl=meta.boolean("externalSasl", False)
            or meta.boolean("saslExternal", False),
            dead_letter_queue=meta.text("deadLetterQueue") or "",
            retry=RetryPolicy.from_metadata(meta),
            publish_timeout=meta.duration("publishTimeout", DEFAULT_PUBLISH_TIMEOUT),
        )
        if settings.publish_timeout <= 0:
            raise meta.error("publishTimeout", "must be a positive duration")
        if settings.reconnect_wait <= 0:
            raise meta.error("reconnectWaitInSeconds", "must be a positive duration")
        if settings.dead_letter_queue == settings.queue:
            raise meta.error("deadLetterQueue", "must differ from queueName")
        if settings.dead_letter_queue and settings.retry.endless():
            log.warning(
                "component %s: deadLetterQueue is set but backOffMaxRetries is -1 (retry for "
                "ever), so nothing will reach it; set backOffMaxRetries",
                component.name,
            )
        return settings

    @property
    def where(self) -> str:
        """The broker's address without credentials, for log lines and errors."""
        parts = urlsplit(self.host)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"

    @property
    def effective_prefetch(self) -> int:
        return self.prefetch or DEFAULT_PREFETCH

    @property
    def mutual_tls(self) -> bool:
        """daprd uses its own TLS settings only when all three PEM fields are given."""
        return bool(self.ca_cert and self.client_cert and self.client_key)

    @property
    def delivery(self) -> DeliveryPolicy:
        return DeliveryPolicy(self.retry, None, noun="RabbitMQ message", stream="queue")

    def queue_arguments(self) -> dict[str, FieldValue]:
        """The x-arguments of daprd's queue declaration."""
        arguments: dict[str, FieldValue] = {}
        if self.queue_ttl_ms is not None:
            arguments["x-message-ttl"] = self.queue_ttl_ms
        if self.max_priority is not None:
            arguments["x-max-priority"] = self.max_priority
        return arguments

    def scrub(self, text: str) -> str:
        """`text` with the URL's password (and the URL itself) replaced, for error messages."""
        text = text.replace(self.host, self.where)
        password = urlsplit(self.host).password
        return text.replace(password, "***") if password else text

    def ssl_context(self) -> ssl.SSLContext | None:
        """The mutual-TLS context daprd builds from the PEM fields, or None to let the URL
        scheme decide (amqps:// then verifies against the system's CAs)."""
        if not self.mutual_tls:
            return None
        context = ssl.create_default_context(cadata=self.ca_cert)
        _load_key_pair(context, self.client_cert, self.client_key)
        return context


def _load_key_pair(context: ssl.SSLContext, cert: str, key: str) -> None:
    # The ssl module loads a key pair only from files; a private temp folder holds them for
    # the call.
    with tempfile.TemporaryDirectory(prefix="daprlite-amqp-") as folder:
        cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        for path, text in ((cert_path, cert), (key_path, key)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
                handle.write(text)
        context.load_cert_chain(cert_path, key_path)


def _pem(meta: MetadataReader, key: str) -> str:
    value = meta.text(key) or ""
    if value and "-----BEGIN " not in value:
        raise meta.error(key, "must hold PEM text (-----BEGIN ...), not a file name")
    return value


def _max_priority(meta: MetadataReader) -> int | None:
    raw = meta.text("maxPriority")
    if raw is None:
        return None
    try:
        value = parse_int(raw.strip(), 64, unsigned=True)
    except NumError as exc:
        raise meta.error("maxPriority", f"can't parse maxPriority field: {exc}") from None
    return min(value, 255)  # daprd clamps rather than refuses


def _queue_ttl_ms(meta: MetadataReader) -> int | None:
    for key in ("ttl", "ttlInSeconds"):
        raw = meta.text(key)
        if raw is not None:
            try:
                return ttl_nanos(raw) // 1_000_000
            except ValueError as exc:
                raise meta.error(key, f"failed to parse TTL: {exc}") from None
    return None

"""The mqtt3 component's metadata, decoded and checked as daprd's parseMQTTMetaData does."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from daprlite.bindings.delivery import DeliveryPolicy
from daprlite.bindings.retry import RetryPolicy
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component

log = logging.getLogger("daprlite.bindings.mqtt3")

# daprd's backwards-compatible schemes, folded onto paho's two.
_PLAIN = frozenset({"tcp", "mqtt"})
_TLS = frozenset({"ssl", "tls", "mqtts", "tcps"})
_DEFAULT_PORTS = {False: 1883, True: 8883}
# Go's pem.Decode finds a block: a BEGIN line, base64 and the matching END line.
_PEM_BLOCK = re.compile(
    r"-----BEGIN ([^\n-]+)-----\r?\n.*?\r?\n?-----END \1-----", re.DOTALL | re.ASCII
)
# The constant pause daprd waits between two attempts at a message the app refused.
DAPRD_RETRY_PAUSE = 5.0


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None = None  # never logged: describe() leaves it out

    def describe(self) -> str:
        scheme = "ssl" if self.tls else "tcp"
        return f"{scheme}://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Mqtt3Settings:
    broker: BrokerAddress
    topic: str
    consumer_id: str
    retain: bool
    clean_session: bool
    ca_cert: str
    client_cert: str
    client_key: str
    retry: RetryPolicy
    # None when backOffMaxRetries is not written: daprlite then retries rather than gives up.
    retries_written: bool
    dead_letter_topic: str  # beyond daprd: where a message goes once its retries are spent

    @classmethod
    def from_component(cls, component: Component) -> Mqtt3Settings:
        meta = MetadataReader(component)
        broker = _broker(meta, meta.required("url"))
        topic = meta.required("topic")
        consumer_id = meta.required("consumerID")
        for key, what in (
            ("caCert", "ca certificate"),
            ("clientCert", "client certificate"),
            ("clientKey", "client certificate key"),
        ):
            value = meta.text(key)
            if value and not _PEM_BLOCK.search(value):
                raise meta.error(key, f"is not PEM (daprd: invalid {what})")
        if meta.explicit("qos"):
            log.warning(
                "component %s: metadata property 'qos' has been deprecated and is ignored; "
                "qos is set to 1",
                component.name,
            )
        # daprd waits a constant 5 s between attempts and reads only backOffMaxRetries
        # (default 0: no retry); the other backOff* keys are daprlite's, for faster tests.
        retry = RetryPolicy.from_metadata(meta)
        written = meta.explicit("backOffMaxRetries")
        settings = cls(
            broker=broker,
            topic=topic,
            consumer_id=consumer_id,
            retain=meta.boolean("retain", False),
            clean_session=meta.boolean("cleanSession", False),
            ca_cert=meta.text("caCert") or "",
            client_cert=meta.text("clientCert") or "",
            client_key=meta.text("clientKey") or "",
            retry=RetryPolicy(
                policy=retry.policy,
                duration=retry.duration if meta.explicit("backOffDuration") else DAPRD_RETRY_PAUSE,
                max_retries=retry.max_retries if written else -1,
                initial_interval=retry.initial_interval,
                max_interval=retry.max_interval,
                multiplier=retry.multiplier,
                randomization_factor=retry.randomization_factor,
                max_elapsed_time=retry.max_elapsed_time,
            ),
            retries_written=written,
            dead_letter_topic=meta.text("deadLetterTopic") or "",
        )
        if settings.dead_letter_topic and settings.retry.endless():
            log.warning(
                "component %s: deadLetterTopic is set but backOffMaxRetries is not (or is -1: "
                "retry for ever), so nothing will reach it; set backOffMaxRetries",
                component.name,
            )
        return settings

    @property
    def producer_id(self) -> str:
        """daprd's client id for publishing: one connection per client id at a time."""
        return f"{self.consumer_id}-producer"

    @property
    def reader_id(self) -> str:
        return f"{self.consumer_id}-consumer"

    def delivery(self) -> DeliveryPolicy:
        """bindings/delivery's table: backOffMaxRetries written means "give up after that many
        retries" as daprd does; not written, daprlite retries for ever and loses nothing."""
        enabled = True if self.retries_written else None
        return DeliveryPolicy(self.retry, enabled, noun="MQTT message", stream="subscription")


def _broker(meta: MetadataReader, url: str) -> BrokerAddress:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _PLAIN | _TLS:
        shown = scheme or "(none)"
        raise meta.error(
            "url",
            f"has scheme {shown}; use tcp:// or mqtt:// (plain), ssl://, tls://, mqtts:// or "
            "tcps:// (TLS)",
        )
    tls = scheme in _TLS
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise meta.error("url", "has an invalid port") from None
    if not host:
        raise meta.error("url", "names no host")
    return BrokerAddress(
        host=host,
        port=port or _DEFAULT_PORTS[tls],
        tls=tls,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password else None,
    )

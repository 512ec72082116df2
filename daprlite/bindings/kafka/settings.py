"""The Kafka component's metadata, decoded and checked, and turned into librdkafka settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from daprlite.bindings.delivery import DeliveryPolicy
from daprlite.bindings.retry import RetryPolicy
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component

log = logging.getLogger("daprlite.bindings.kafka")

_AUTH_TYPES = ("none", "password", "mtls", "certificate")
_UNSUPPORTED_AUTH = ("oidc", "oidc_private_key_jwt", "awsiam")


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    brokers: tuple[str, ...]
    topics: tuple[str, ...]
    consumer_group: str
    publish_topic: str
    client_id: str
    initial_offset: str  # "newest" | "oldest"
    auth_type: str
    sasl_username: str
    sasl_password: str
    sasl_mechanism: str  # "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512"
    tls: bool
    skip_verify: bool
    ca_cert: str
    client_cert: str
    client_key: str
    # None when the component does not say: daprlite then retries rather than skips.
    consume_retry_enabled: bool | None
    dead_letter_topic: str  # beyond daprd: where poison messages go once retries are spent
    retry: RetryPolicy
    consume_retry_interval: float
    heartbeat_interval: float
    session_timeout: float
    max_message_bytes: int

    @classmethod
    def from_component(cls, component: Component) -> KafkaSettings:
        meta = MetadataReader(component)
        auth_type = _auth_type(meta, component)
        mechanism = (meta.text("saslMechanism") or "PLAIN").upper()
        sasl_mechanism = {"SHA-256": "SCRAM-SHA-256", "SHA-512": "SCRAM-SHA-512"}.get(
            mechanism, "PLAIN"
        )
        settings = cls(
            brokers=tuple(meta.items("brokers")),
            topics=tuple(meta.items("topics")),
            consumer_group=meta.text("consumerGroup") or meta.text("consumerID") or "",
            publish_topic=meta.text("publishTopic") or "",
            client_id=meta.text("clientId") or meta.text("clientID") or "daprlite",
            initial_offset=meta.choice("initialOffset", ("newest", "oldest"), "newest"),
            auth_type=auth_type,
            sasl_username=meta.text("saslUsername") or "",
            sasl_password=meta.text("saslPassword") or "",
            sasl_mechanism=sasl_mechanism,
            # daprd turns TLS on unless it is disabled or there is no auth at all.
            tls=auth_type != "none" and not meta.boolean("disableTls", False),
            skip_verify=meta.boolean("skipVerify", False),
            ca_cert=meta.text("caCert") or "",
            client_cert=meta.text("clientCert") or "",
            client_key=meta.text("clientKey") or "",
            consume_retry_enabled=(
                meta.boolean("consumeRetryEnabled", False)
                if meta.explicit("consumeRetryEnabled")
                else None
            ),
            dead_letter_topic=meta.text("deadLetterTopic") or "",
            retry=RetryPolicy.from_metadata(meta),
            consume_retry_interval=meta.duration("consumeRetryInterval", 0.1, bare_unit="ms"),
            heartbeat_interval=meta.duration("heartbeatInterval", 3.0),
            session_timeout=meta.duration("sessionTimeout", 10.0),
            max_message_bytes=meta.integer("maxMessageBytes", 1_000_000, minimum=0) or 1_000_000,
        )
        settings._check(meta)
        if settings.dead_letter_topic and settings.retry.endless():
            log.warning(
                "component %s: deadLetterTopic is set but backOffMaxRetries is -1 (retry for "
                "ever), so nothing will reach it; set backOffMaxRetries",
                component.name,
            )
        return settings

    @property
    def delivery(self) -> DeliveryPolicy:
        """How the input side retries a message the app refuses (bindings/delivery's table)."""
        return DeliveryPolicy(
            self.retry, self.consume_retry_enabled, noun="Kafka message", stream="partition"
        )

    def _check(self, meta: MetadataReader) -> None:
        if not self.brokers:
            raise meta.error("brokers", "is required (e.g. localhost:9092)")
        if self.auth_type == "password" and not (self.sasl_username and self.sasl_password):
            raise meta.error("saslPassword", "and saslUsername are required for authType password")
        if self.auth_type == "mtls" and bool(self.client_cert) != bool(self.client_key):
            raise meta.error("clientKey", "and clientCert must be given together for mtls")
        if self.auth_type == "certificate" and not self.ca_cert:
            raise meta.error("caCert", "is required for authType certificate")
        if self.auth_type == "mtls" and not self.tls:
            raise meta.error("disableTls", "cannot be true for authType mtls")
        # Like daprd, the PEM text itself is expected, not a path to a file holding it.
        for field, text in (
            ("caCert", self.ca_cert),
            ("clientCert", self.client_cert),
            ("clientKey", self.client_key),
        ):
            if text and "-----BEGIN " not in text:
                raise meta.error(field, "must hold PEM text (-----BEGIN ...), not a file name")

    def client_config(self) -> dict[str, Any]:
        """Connection settings shared by the producer and the consumer."""
        config: dict[str, Any] = {
            "bootstrap.servers": ",".join(self.brokers),
            "client.id": self.client_id,
            # Without this, librdkafka logs to stderr on its own; route it through logging.
            "logger": logging.getLogger("daprlite.bindings.kafka.client"),
        }
        sasl = self.auth_type == "password"
        config["security.protocol"] = {
            (False, False): "PLAINTEXT",
            (False, True): "SSL",
            (True, False): "SASL_PLAINTEXT",
            (True, True): "SASL_SSL",
        }[(sasl, self.tls)]
        if sasl:
            config["sasl.mechanisms"] = self.sasl_mechanism
            config["sasl.username"] = self.sasl_username
            config["sasl.password"] = self.sasl_password
        if self.tls:
            if self.ca_cert:
                config["ssl.ca.pem"] = self.ca_cert
            if self.client_cert:
                config["ssl.certificate.pem"] = self.client_cert
                config["ssl.key.pem"] = self.client_key
            if self.skip_verify:
                config["enable.ssl.certificate.verification"] = False
                config["ssl.endpoint.identification.algorithm"] = "none"
        return config


def reach_timeout(component: Component) -> float:
    """How long init waits for the brokers: inside the component's init timeout, so that an
    unreachable broker is reported as such rather than as a bare timeout."""
    return max(component.init_timeout_seconds * 0.8, 0.5)


def _auth_type(meta: MetadataReader, component: Component) -> str:
    auth_type = (meta.text("authType") or "").lower()
    if not auth_type and meta.has("authRequired"):
        log.warning(
            "component %s: authRequired is deprecated, use authType instead", component.name
        )
        if not meta.boolean("authRequired", False):
            auth_type = "none"
        elif meta.text("saslPassword"):
            auth_type = "password"
        else:
            auth_type = "mtls"
    if not auth_type:
        raise meta.error("authType", f"is missing or empty; use one of {', '.join(_AUTH_TYPES)}")
    if auth_type in _UNSUPPORTED_AUTH:
        raise meta.error("authType", f"'{auth_type}' is not supported by daprlite yet")
    if auth_type not in _AUTH_TYPES:
        raise meta.error(
            "authType", f"has an invalid value '{auth_type}'; use one of {', '.join(_AUTH_TYPES)}"
        )
    return auth_type

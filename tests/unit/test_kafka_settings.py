"""How the Kafka component's metadata becomes librdkafka settings, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.bindings.kafka.settings import KafkaSettings
from daprlite.model.component import Component
from daprlite.model.errors import MetadataError

SEED = {
    "brokers": "localhost:9092",
    "topics": "sample",
    "consumerGroup": "group1",
    "publishTopic": "sample",
    "authRequired": "false",
}


def settings(**metadata: str) -> KafkaSettings:
    component = Component("sample-topic", "bindings.kafka", "v1", metadata, Path("k.yaml"), 3)
    return KafkaSettings.from_component(component)


def test_the_seed_component_means_plaintext_without_auth() -> None:
    chosen = settings(**SEED)
    assert chosen.auth_type == "none"
    assert chosen.brokers == ("localhost:9092",)
    assert chosen.topics == ("sample",)
    assert chosen.initial_offset == "newest"
    assert chosen.consume_retry_enabled is None  # not written: daprlite retries
    assert chosen.client_config()["security.protocol"] == "PLAINTEXT"


def test_keys_are_case_insensitive() -> None:
    chosen = settings(BROKERS="a:1,b:2", AuthType="none", consumergroup="g")
    assert chosen.brokers == ("a:1", "b:2")
    assert chosen.consumer_group == "g"


def test_auth_type_is_required_without_the_deprecated_flag() -> None:
    with pytest.raises(MetadataError, match="authType") as caught:
        settings(brokers="b:1")
    assert "k.yaml" in str(caught.value)


def test_brokers_are_required() -> None:
    with pytest.raises(MetadataError, match="brokers"):
        settings(authType="none")


def test_password_auth_uses_sasl_over_tls_unless_tls_is_disabled() -> None:
    base = {"brokers": "b:1", "authType": "password", "saslUsername": "u", "saslPassword": "p"}
    config = settings(**base, saslMechanism="SHA-512").client_config()
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanisms"] == "SCRAM-SHA-512"
    assert settings(**base, disableTls="true").client_config()["security.protocol"] == (
        "SASL_PLAINTEXT"
    )


def test_password_auth_without_password_is_an_error_that_keeps_the_secret_out() -> None:
    with pytest.raises(MetadataError, match="saslPassword"):
        settings(brokers="b:1", authType="password", saslUsername="u")


def test_explicit_consume_retry_false_is_remembered() -> None:
    assert settings(**SEED, consumeRetryEnabled="false").consume_retry_enabled is False
    assert settings(**SEED, consumeRetryEnabled="true").consume_retry_enabled is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("initialOffset", "middle"), ("authType", "kerberos"), ("heartbeatInterval", "soon")],
)
def test_bad_values_name_the_field(field: str, value: str) -> None:
    with pytest.raises(MetadataError, match=field):
        settings(**(SEED | {field: value}))


def test_unsupported_auth_is_said_plainly() -> None:
    with pytest.raises(MetadataError, match="not supported by daprlite"):
        settings(brokers="b:1", authType="awsiam")


def test_mtls_cannot_disable_tls() -> None:
    with pytest.raises(MetadataError, match="disableTls"):
        settings(brokers="b:1", authType="mtls", disableTls="true")


def test_certificates_must_be_pem_text_not_paths() -> None:
    with pytest.raises(MetadataError, match=r"caCert.*PEM"):
        settings(brokers="b:1", authType="certificate", caCert="/etc/ssl/ca.pem")


def test_skip_verify_turns_off_both_certificate_checks() -> None:
    config = settings(brokers="b:1", authType="mtls", skipVerify="true").client_config()
    assert config["security.protocol"] == "SSL"
    assert config["enable.ssl.certificate.verification"] is False
    assert config["ssl.endpoint.identification.algorithm"] == "none"

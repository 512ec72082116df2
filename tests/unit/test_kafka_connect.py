"""The init-time broker check's verdicts: which librdkafka errors end the wait, and their words."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from daprlite.bindings.kafka import connect
from tests.unit.test_kafka_settings import settings

SASL = {
    "brokers": "b:9093",
    "authType": "password",
    "saslUsername": "alice",
    "saslPassword": "s3cret-pw",
    "saslMechanism": "SHA-256",
}


def error(code: int, text: str) -> KafkaError:
    return KafkaError(code, text)


def test_refused_login_names_the_user_and_the_fields_never_the_password() -> None:
    err = error(
        KafkaError._AUTHENTICATION,
        "sasl_ssl://b:9093/bootstrap: SASL authentication error: Authentication failed "
        "(password s3cret-pw)",  # even should librdkafka ever echo it
    )
    text = connect.explain(err, settings(**SASL))
    assert text.startswith("authentication failed for user alice (SASL SCRAM-SHA-256) at b:9093:")
    assert "saslPassword" in text
    assert "s3cret-pw" not in text
    assert "sasl_ssl://" not in text  # the broker is named once, by us


SSL, TRANSPORT = KafkaError._SSL, KafkaError._TRANSPORT


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        (SSL, "ssl://b:1/bootstrap: SSL handshake failed: certificate verify failed", "caCert"),
        (TRANSPORT, "ssl://b:1/1: error:0A000086:certificate verify failed", "skipVerify"),
        (TRANSPORT, "ssl://b:1/bootstrap: alert bad certificate: SSL alert 42", "clientKey"),
        (
            TRANSPORT,
            "ssl://b:1/bootstrap: connecting to a PLAINTEXT broker listener?",
            "disableTls",
        ),
    ],
)
def test_tls_failures_end_the_wait_with_a_hint(code: int, text: str, expected: str) -> None:
    err = error(code, text)
    assert connect._is_fatal(err)
    assert expected in connect.explain(err, settings(brokers="b:1", authType="mtls"))


def test_a_refused_connection_is_worth_waiting_for() -> None:
    err = error(KafkaError._TRANSPORT, "b:1/bootstrap: Connect to ipv4#b:1 failed: refused")
    assert not connect._is_fatal(err)
    text = connect.explain(err, settings(brokers="b:1", authType="none"))
    assert text == (
        "cannot reach brokers b:1: Connect to ipv4#b:1 failed: refused. Check that the brokers "
        "are up and reachable from this machine"
    )


@pytest.mark.parametrize("brokers", ["localhost:9092", "127.0.0.1:9092", "[::1]:9092"])
def test_an_unreachable_local_broker_ends_with_how_to_start_one(brokers: str) -> None:
    err = error(KafkaError._TRANSPORT, f"{brokers}/bootstrap: Connect failed: refused")
    text = connect.explain(err, settings(brokers=brokers, authType="none"))
    assert text.endswith(". Is a broker running there? Start one with `daprlite init`")

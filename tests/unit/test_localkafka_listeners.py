"""Secured listeners in server.properties: names, protocols, JAAS users, inline PEM stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.localkafka import config
from daprlite.localkafka.listeners import Listener, SaslUser, TlsIdentity, scram_mechanisms
from daprlite.localkafka.settings import BrokerSettings

PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
TLS = TlsIdentity(cert_chain=PEM, key="KEY\n", client_ca=PEM)
ALL_SASL = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def secured(tmp_path: Path) -> BrokerSettings:
    return BrokerSettings(
        home=tmp_path,
        port=9092,
        controller_port=9093,
        listeners=(
            Listener("SASL", 9094, sasl=ALL_SASL),
            Listener("TLS", 9095, tls=TLS),
            Listener("MTLS", 9096, tls=TLS, client_auth=True),
            Listener("SASL_TLS", 9097, sasl=("PLAIN",), tls=TLS),
        ),
        users=(SaslUser("alice", 'pa"ss'),),
    )


def test_listeners_follow_the_plain_one(tmp_path: Path) -> None:
    props = config.server_properties(secured(tmp_path))
    assert props["listeners"] == (
        "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,SASL://127.0.0.1:9094,"
        "TLS://127.0.0.1:9095,MTLS://127.0.0.1:9096,SASL_TLS://127.0.0.1:9097"
    )
    assert props["advertised.listeners"].startswith("PLAINTEXT://127.0.0.1:9092,SASL://")
    assert props["listener.security.protocol.map"] == (
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL:SASL_PLAINTEXT,TLS:SSL,MTLS:SSL,"
        "SASL_TLS:SASL_SSL"
    )
    # Brokers and controllers keep talking in plain text.
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["controller.listener.names"] == "CONTROLLER"


def test_sasl_listener_names_its_mechanisms_and_plain_users(tmp_path: Path) -> None:
    props = config.server_properties(secured(tmp_path))
    prefix = "listener.name.sasl."
    assert props[prefix + "sasl.enabled.mechanisms"] == "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
    assert props[prefix + "plain.sasl.jaas.config"].endswith(' user_alice="pa\\"ss";')
    assert "ScramLoginModule required;" in props[prefix + "scram-sha-512.sasl.jaas.config"]


def test_tls_listeners_carry_inline_pem_stores(tmp_path: Path) -> None:
    props = config.server_properties(secured(tmp_path))
    assert props["listener.name.tls.ssl.keystore.type"] == "PEM"
    assert props["listener.name.tls.ssl.keystore.certificate.chain"] == PEM
    assert "listener.name.tls.ssl.client.auth" not in props
    assert props["listener.name.mtls.ssl.client.auth"] == "required"
    assert props["listener.name.mtls.ssl.truststore.certificates"] == PEM
    rendered = config.render_properties(props)
    # One property per line: the PEM's line breaks are escaped for Java.
    assert "chain=-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END" in rendered


def test_default_broker_is_unchanged(tmp_path: Path) -> None:
    props = config.server_properties(BrokerSettings(home=tmp_path, port=9092))
    assert props["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert not [key for key in props if key.startswith("listener.name.")]


def test_scram_mechanisms_are_gathered() -> None:
    listeners = [Listener("A", 1, sasl=("SCRAM-SHA-512", "PLAIN")), Listener("B", 2, sasl=ALL_SASL)]
    assert scram_mechanisms(listeners) == ("SCRAM-SHA-256", "SCRAM-SHA-512")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "plaintext", "sasl": ("PLAIN",)}, "upper case"),
        ({"name": "PLAINTEXT", "sasl": ("PLAIN",)}, "upper case"),
        ({"name": "X", "sasl": ("GSSAPI",)}, "unknown SASL"),
        ({"name": "X", "tls": TlsIdentity(PEM, "K"), "client_auth": True}, "client_ca"),
        ({"name": "X"}, "already PLAINTEXT"),
    ],
)
def test_bad_listeners_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Listener(port=1, **kwargs)  # type: ignore[arg-type]


def test_secrets_stay_out_of_reprs() -> None:
    assert "pass-word" not in repr(SaslUser("alice", "pass-word"))
    assert "KEY" not in repr(TLS)

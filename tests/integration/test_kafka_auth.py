"""bindings.kafka through secured listeners of a real broker: SASL PLAIN and SCRAM, TLS, mTLS.

One broker for the module, started by LocalBroker with a test CA's certificates; refused
logins and untrusted certificates must fail init at once, saying why, never the password.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from daprlite.bindings.kafka.consumer import KafkaInput
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.localkafka import LocalBroker
from daprlite.localkafka.listeners import SASL_MECHANISMS, Listener, SaslUser, TlsIdentity
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import ComponentInitError
from tests.conftest import TOPIC_DEADLINE, broker_settings, wait_for_topic
from tests.integration.recording_app import RecordingApp
from tests.integration.test_kafka_binding import Reading, kafka_component
from tests.integration.tls_certs import Authority, Issued
from tests.support.ports import free_ports

pytestmark = pytest.mark.kafka

USER = "alice"
PASSWORD = "alice-Secret-4711"  # looked for in error messages and logs, where it must not be
WRONG_PASSWORD = "not-Alice-Secret-0815"


@dataclass(frozen=True)
class SecuredBroker:
    broker: LocalBroker
    ports: dict[str, int]  # listener name -> port
    ca: Authority
    client: Issued

    def address(self, listener: str) -> str:
        return f"127.0.0.1:{self.ports[listener]}"

    def topic(self) -> str:
        name = f"auth-{uuid.uuid4().hex[:12]}"
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        futures[name].result(timeout=TOPIC_DEADLINE)
        wait_for_topic(admin, name, 1)
        return name


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    ca = Authority.create("daprlite test CA")
    server = ca.server()
    base = broker_settings(tmp_path_factory)
    names = ("SASL", "SASL_TLS", "TLS", "MTLS")
    ports = dict(zip(names, free_ports(4, taken={base.port, base.quorum_port}), strict=True))
    tls = TlsIdentity(server.cert, server.key)
    listeners = (
        Listener("SASL", ports["SASL"], sasl=SASL_MECHANISMS),
        Listener("SASL_TLS", ports["SASL_TLS"], sasl=SASL_MECHANISMS, tls=tls),
        Listener("TLS", ports["TLS"], tls=tls),
        Listener(
            "MTLS", ports["MTLS"], tls=dataclasses.replace(tls, client_ca=ca.cert), client_auth=True
        ),
    )
    settings = dataclasses.replace(base, listeners=listeners, users=(SaslUser(USER, PASSWORD),))
    broker = LocalBroker(settings)
    try:
        broker.start(timeout=120.0)
        yield SecuredBroker(broker, ports, ca, ca.client("orders-app"))
    finally:
        broker.stop()


def component(secured: SecuredBroker, listener: str, topic: str, **meta: str) -> Component:
    return kafka_component(secured.address(listener), topic, **meta)


def sasl(mechanism: str, password: str = PASSWORD) -> dict[str, str]:
    return {
        "authType": "password",
        "saslUsername": USER,
        "saslPassword": password,
        "saslMechanism": mechanism,
    }


# Each case: the listener it talks to and the component metadata a Dapr user would write.
CASES = {
    "sasl-plain": ("SASL", lambda s: {**sasl("PLAIN"), "disableTls": "true"}),
    "scram-sha-256": ("SASL", lambda s: {**sasl("SHA-256"), "disableTls": "true"}),
    "scram-sha-512": ("SASL", lambda s: {**sasl("SHA-512"), "disableTls": "true"}),
    "sasl-over-tls": ("SASL_TLS", lambda s: {**sasl("SHA-512"), "caCert": s.ca.cert}),
    "tls-ca-cert": ("TLS", lambda s: {"authType": "certificate", "caCert": s.ca.cert}),
    "mtls": (
        "MTLS",
        lambda s: {
            "authType": "mtls",
            "caCert": s.ca.cert,
            "clientCert": s.client.cert,
            "clientKey": s.client.key,
        },
    ),
    # The broker's certificate is signed by a CA the client was not given: skipVerify accepts it.
    "tls-skip-verify": ("SASL_TLS", lambda s: {**sasl("PLAIN"), "skipVerify": "true"}),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_output_writes_and_input_delivers(secured: SecuredBroker, case: str) -> None:
    listener, metadata = CASES[case]
    topic = secured.topic()
    binding = component(secured, listener, topic, **metadata(secured))
    app = RecordingApp()
    output = KafkaOutput()
    async with Reading(app, binding):
        await output.init(binding)
        try:
            await output.invoke(InvokeRequest(b'{"case":"%s"}' % case.encode(), {}, "create"))
        finally:
            await output.close()
        await app.wait_for(1)
    assert app.accepted_values() == [{"case": case}]
    assert app.accepted[0].headers["__topic"] == topic


@pytest.mark.parametrize("mechanism", ["PLAIN", "SHA-256", "SHA-512"])
@pytest.mark.parametrize("binding_type", [KafkaOutput, KafkaInput])
async def test_wrong_password_fails_init_saying_so(
    secured: SecuredBroker, mechanism: str, binding_type: type, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    meta = {**sasl(mechanism, WRONG_PASSWORD), "disableTls": "true"}
    binding = binding_type()
    started = time.monotonic()
    with pytest.raises(ComponentInitError) as failure:
        await binding.init(component(secured, "SASL", "never-created", **meta))
    elapsed = time.monotonic() - started
    await binding.close()
    message = str(failure.value)
    assert f"authentication failed for user {USER}" in message
    assert "saslPassword" in message  # names the field to fix...
    assert WRONG_PASSWORD not in message  # ...but never its value
    assert WRONG_PASSWORD not in caplog.text
    # Fails as soon as the broker says no, well inside the 4 s the init budget allows.
    assert elapsed < 3.0, f"init took {elapsed:.1f}s"


async def test_unknown_user_fails_init_saying_so(secured: SecuredBroker) -> None:
    meta = {**sasl("SHA-256"), "saslUsername": "mallory", "disableTls": "true"}
    output = KafkaOutput()
    with pytest.raises(ComponentInitError, match="authentication failed for user mallory"):
        await output.init(component(secured, "SASL", "never-created", **meta))
    await output.close()


async def test_untrusted_broker_certificate_fails_init(secured: SecuredBroker) -> None:
    stranger = Authority.create("some other CA")
    meta = {"authType": "certificate", "caCert": stranger.cert}
    output = KafkaOutput()
    with pytest.raises(ComponentInitError) as failure:
        await output.init(component(secured, "TLS", "never-created", **meta))
    await output.close()
    message = str(failure.value)
    assert "TLS handshake with" in message and "certificate verify failed" in message
    assert "Set caCert" in message and "skipVerify" in message


async def test_password_over_tls_without_ca_fails_init_without_the_password(
    secured: SecuredBroker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    output = KafkaOutput()
    with pytest.raises(ComponentInitError, match=r"TLS handshake with .* failed") as failure:
        await output.init(component(secured, "SASL_TLS", "never-created", **sasl("PLAIN")))
    await output.close()
    assert PASSWORD not in str(failure.value)
    assert PASSWORD not in caplog.text


async def test_mtls_listener_refuses_a_client_without_certificate(secured: SecuredBroker) -> None:
    meta = {"authType": "mtls", "caCert": secured.ca.cert}
    output = KafkaOutput()
    with pytest.raises(ComponentInitError, match="refused the TLS client certificate"):
        await output.init(component(secured, "MTLS", "never-created", **meta))
    await output.close()

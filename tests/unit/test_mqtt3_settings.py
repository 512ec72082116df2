"""bindings.mqtt3 metadata, as daprd's parseMQTTMetaData reads it (cc:bindings/mqtt3/
mqtt_test.go TestParseMetadata's cases), and daprlite's delivery policy for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.bindings.mqtt3.settings import Mqtt3Settings
from daprlite.bindings.registry import BindingRegistry
from daprlite.model.component import Component
from daprlite.model.errors import MetadataError

CA = "-----BEGIN CERTIFICATE-----\nMIICyDCCAbACCQDb8BtgvbqW5jANBgkqhkiG9w0BAQsFADAmMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n"  # noqa: E501


def component(**metadata: str) -> Component:
    base = {
        "consumerID": "client",
        "url": "tcp://fakeUser:fakePassword@fake.mqtt.host:1883",
        "topic": "fake/topic",
        "qos": "1",
        "retain": "true",
        "cleanSession": "false",
    }
    base.update(metadata)
    return Component("m", "bindings.mqtt3", "v1", base, Path("m.yaml"), 1)


def test_metadata_is_correct() -> None:
    settings = Mqtt3Settings.from_component(component())
    assert settings.broker.describe() == "tcp://fake.mqtt.host:1883"
    assert (settings.broker.username, settings.broker.password) == ("fakeUser", "fakePassword")
    assert (settings.topic, settings.retain, settings.clean_session) == ("fake/topic", True, False)
    assert (settings.producer_id, settings.reader_id) == ("client-producer", "client-consumer")


@pytest.mark.parametrize("missing", ["url", "topic", "consumerID"])
def test_a_required_field_missing(missing: str) -> None:
    with pytest.raises(MetadataError, match=f"'{missing}' is required"):
        Mqtt3Settings.from_component(component(**{missing: ""}))


def test_qos_and_retain_not_given() -> None:
    settings = Mqtt3Settings.from_component(component(qos="", retain=""))
    assert settings.retain is False


@pytest.mark.parametrize(
    ("url", "described"),
    [
        ("mqtt://h:1", "tcp://h:1"),
        ("tcp://h", "tcp://h:1883"),
        ("mqtts://h:2", "ssl://h:2"),
        ("tcps://h:2", "ssl://h:2"),
        ("tls://h", "ssl://h:8883"),
        ("ssl://h:3", "ssl://h:3"),
    ],
)
def test_url_schemes(url: str, described: str) -> None:
    assert Mqtt3Settings.from_component(component(url=url)).broker.describe() == described


def test_an_unknown_scheme_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(MetadataError, match="scheme ws") as raised:
        Mqtt3Settings.from_component(component(url="ws://u:hunter2@h:1"))
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("key", ["caCert", "clientCert", "clientKey"])
def test_a_certificate_that_is_not_pem(key: str) -> None:
    with pytest.raises(MetadataError, match=f"'{key}' is not PEM"):
        Mqtt3Settings.from_component(component(**{key: "randomNonPEMBlockCA"}))


def test_a_pem_certificate() -> None:
    assert Mqtt3Settings.from_component(component(caCert=CA)).ca_cert == CA


def test_an_invalid_clean_session_is_an_error_not_false() -> None:
    # daprd reads "randomString" as false; daprlite names the file and line instead.
    with pytest.raises(MetadataError, match="cleanSession"):
        Mqtt3Settings.from_component(component(cleanSession="randomString"))


def test_retries_not_written_means_for_ever_every_five_seconds() -> None:
    settings = Mqtt3Settings.from_component(component())
    policy = settings.delivery()
    assert policy.retry_enabled is None and policy.retry.endless()
    assert policy.retry.duration == 5.0


def test_retries_written_give_up_after_them() -> None:
    policy = Mqtt3Settings.from_component(
        component(backOffMaxRetries="0", backOffDuration="100ms")
    ).delivery()
    assert policy.retry_enabled is True
    assert (policy.retry.max_retries, policy.retry.duration) == (0, 0.1)
    assert list(policy.retry.delays()) == []


def test_both_type_names_have_both_directions() -> None:
    registry = BindingRegistry()
    for name in ("bindings.mqtt3", "bindings.mqtt"):
        assert registry.directions(name) == ("input", "output")
        assert registry.supports(name, "v1")
    registry.check(component())

"""bindings.rabbitmq without a broker: metadata as daprd decodes it, Dapr's TTL and priority
rules, the AMQP message a request becomes and the event a delivery becomes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aio_pika
import pytest

from daprlite.bindings.rabbitmq.message import incoming, outgoing
from daprlite.bindings.rabbitmq.settings import DEFAULT_PREFETCH, RabbitSettings
from daprlite.bindings.rabbitmq.ttl import request_ttl_ms, ttl_nanos
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import BindingInvokeError, MetadataError

HOST = "amqp://user:s3cret-pw@broker.example:5672/vh"


def settings(**metadata: str) -> RabbitSettings:
    items = {"host": HOST, "queueName": "orders", **metadata}
    return RabbitSettings.from_component(
        Component("q", "bindings.rabbitmq", "v1", items, Path("c.yaml"), 3, metadata_lines={})
    )


def test_defaults_are_daprds() -> None:
    s = settings()
    assert (s.durable, s.auto_delete, s.exclusive, s.prefetch) == (False, False, False, 0)
    assert s.max_priority is None and s.queue_ttl_ms is None
    assert s.reconnect_wait == 5.0
    assert s.queue_arguments() == {}
    assert s.effective_prefetch == DEFAULT_PREFETCH
    assert not s.mutual_tls and s.ssl_context() is None


def test_fields_are_read_without_regard_to_case() -> None:
    s = settings(
        DURABLE="true",
        deletewhenunused="yes",
        Exclusive="1",
        prefetchcount="7",
        MAXPRIORITY="5",
        TTLINSECONDS="60",
        reconnectWaitInSeconds="2",
    )
    assert (s.durable, s.auto_delete, s.exclusive, s.prefetch) == (True, True, True, 7)
    assert s.effective_prefetch == 7
    assert s.queue_arguments() == {"x-message-ttl": 60_000, "x-max-priority": 5}
    assert s.reconnect_wait == 2.0  # a bare number is seconds, as daprd reads it


@pytest.mark.parametrize(
    ("written", "expected"), [("0", 0), ("255", 255), ("256", 255), ("99999", 255)]
)
def test_max_priority_is_clamped_to_a_byte(written: str, expected: int) -> None:
    assert settings(maxPriority=written).max_priority == expected


def test_max_priority_refuses_what_parse_uint_refuses() -> None:
    with pytest.raises(MetadataError, match=r'can\'t parse maxPriority field: .*"-1": invalid'):
        settings(maxPriority="-1")


@pytest.mark.parametrize(
    ("written", "ms"),
    # "0" is the one bare number Go's ParseDuration takes, so it means 0 s, not an error.
    [("60", 60_000), ("1m30s", 90_000), ("1500ms", 1_500), ("-5s", 0), ("0", 0)],
)
def test_queue_ttl_takes_a_duration_or_seconds(written: str, ms: int) -> None:
    assert settings(ttl=written).queue_ttl_ms == ms


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("-3", "ttl value must be higher than zero: actual is '-3'"),
        ("soon", "ttl value must be a valid integer: actual is 'soon'"),
    ],
)
def test_ttl_refusals_are_in_dapr_words(written: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ttl_nanos(written)


def test_missing_host_and_queue_name_the_file_and_line() -> None:
    with pytest.raises(MetadataError, match=r"host.*required") as caught:
        RabbitSettings.from_component(
            Component("q", "bindings.rabbitmq", "v1", {"queueName": "x"}, Path("c.yaml"), 3)
        )
    assert "c.yaml:3" in str(caught.value)
    with pytest.raises(MetadataError, match="queueName"):
        RabbitSettings.from_component(
            Component("q", "bindings.rabbitmq", "v1", {"host": HOST}, Path("c.yaml"), 3)
        )


def test_host_must_be_an_amqp_url_and_errors_never_show_its_password() -> None:
    with pytest.raises(MetadataError) as caught:
        settings(host="http://user:s3cret-pw@x")
    assert "s3cret-pw" not in str(caught.value)
    s = settings()
    assert s.where == "amqp://broker.example:5672/vh"
    assert s.scrub(f"dial {HOST} failed: s3cret-pw") == (
        "dial amqp://broker.example:5672/vh failed: ***"
    )


def test_pem_fields_must_hold_pem_text() -> None:
    with pytest.raises(MetadataError, match=r"caCert.*PEM"):
        settings(caCert="/etc/ssl/ca.pem")


def test_dead_letter_queue_must_differ_from_the_queue() -> None:
    assert settings(deadLetterQueue="orders-dlq").dead_letter_queue == "orders-dlq"
    with pytest.raises(MetadataError, match="deadLetterQueue"):
        settings(deadLetterQueue="orders")


def test_external_sasl_has_both_spellings() -> None:
    assert settings(externalSasl="true").external_sasl
    assert settings(saslExternal="true").external_sasl


# --- requests and deliveries ----------------------------------------------------------------


def _request(**metadata: str) -> InvokeRequest:
    return InvokeRequest(b"payload", metadata, "create")


def test_a_request_becomes_daprds_publishing() -> None:
    message = outgoing(_request(note="n1", ttlInSeconds="20", priority="300"))
    assert message.body == b"payload"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.content_type == "text/plain"
    assert message.headers == {"note": "n1", "ttlInSeconds": "20", "priority": "300"}
    assert message.properties.expiration == "20000"
    assert message.priority == 255  # clamped, as TryGetPriority does


def test_request_properties_are_found_without_regard_to_case() -> None:
    message = outgoing(
        _request(ContentType="application/json", messageid="m1", CorrelationID="c1", TYPE="t")
    )
    assert (message.content_type, message.message_id) == ("application/json", "m1")
    assert (message.correlation_id, message.type) == ("c1", "t")


@pytest.mark.parametrize(
    ("ttl", "expiration"), [("1ms", "1"), ("1234567ms", "1234567"), ("0s", "0")]
)
def test_expiration_is_exact_in_milliseconds(ttl: str, expiration: str) -> None:
    assert outgoing(_request(ttl=ttl)).properties.expiration == expiration


def test_bad_ttl_and_priority_fail_the_request() -> None:
    with pytest.raises(BindingInvokeError, match="failed to get TTL: ttl value must be higher"):
        outgoing(_request(ttlInSeconds="-3"))
    with pytest.raises(BindingInvokeError, match="priority value must be a valid integer"):
        outgoing(_request(priority="high"))
    assert request_ttl_ms({"TTL": ""}) is None


def test_a_delivery_passes_on_its_string_headers_under_escaped_names() -> None:
    fake: Any = SimpleNamespace(
        body=b"{}", headers={"a b": "1", "x/y": "2", "count": 3, "raw": b"bytes"}
    )
    event = incoming(fake)
    assert event.data == b"{}"
    assert event.metadata == {"a+b": "1", "x%2Fy": "2"}  # non-strings are left out, as daprd

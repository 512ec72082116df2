"""bindings.kafka against the real broker: bytes, keys and headers out; order and retry in."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from daprlite.bindings.kafka.consumer import KafkaInput
from daprlite.bindings.kafka.producer import KafkaOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import ComponentInitError
from daprlite.runtime.app_channel import HttpAppChannel
from tests.e2e.kafka_io import produce, read_records
from tests.integration.recording_app import RecordingApp
from tests.support.wait import eventually

pytestmark = pytest.mark.kafka


def kafka_component(bootstrap: str, topic: str, **extra: str) -> Component:
    metadata = {
        "brokers": bootstrap,
        "topics": topic,
        "publishTopic": topic,
        "consumerGroup": f"group-{topic}",
        "authType": "none",
        **extra,
    }
    return Component("orders", "bindings.kafka", "v1", metadata, Path("test.yaml"), 1)


async def test_create_writes_value_key_and_headers(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    output = KafkaOutput()
    await output.init(kafka_component(kafka_broker.bootstrap, topic))
    try:
        response = await output.invoke(
            InvokeRequest(b'{"orderId":1}', {"partitionKey": "k1", "x-trace": "abc"}, "create")
        )
    finally:
        await output.close()
    assert response is None  # Kafka returns nothing: HTTP 204
    [record] = read_records(kafka_broker.bootstrap, topic, 1)
    assert record.value() == b'{"orderId":1}'
    assert record.key() == b"k1"
    assert dict(record.headers()) == {"partitionKey": b"k1", "x-trace": b"abc"}


async def test_no_data_and_json_null_write_a_record_with_no_value(
    kafka_broker, kafka_topic
) -> None:
    # HTTP turns `"data": null` (or no data) into `null`; gRPC may send no bytes at all. daprd's
    # Kafka component writes a record with no value for both; any other bytes go as given.
    topic = kafka_topic()
    output = KafkaOutput()
    await output.init(kafka_component(kafka_broker.bootstrap, topic))
    try:
        for data in (b"null", b"", b'"null"', b" null"):
            await output.invoke(InvokeRequest(data, {}, "create"))
    finally:
        await output.close()
    values = [r.value() for r in read_records(kafka_broker.bootstrap, topic, 4)]
    assert values == [None, None, b'"null"', b" null"]


async def test_init_fails_clearly_when_no_broker_listens(unused_tcp_port) -> None:
    output = KafkaOutput()
    with pytest.raises(ComponentInitError, match="cannot reach brokers"):
        await output.init(kafka_component(f"127.0.0.1:{unused_tcp_port}", "nowhere"))
    await output.close()


class Reading:
    """A KafkaInput delivering to a RecordingApp over the real HTTP app channel."""

    def __init__(self, app: RecordingApp, component: Component) -> None:
        self.app, self.component = app, component
        self.reader = KafkaInput()

    async def __aenter__(self) -> RecordingApp:
        await self.app.start()
        self.channel = HttpAppChannel(self.app.port)
        await self.reader.init(self.component)
        await self.reader.start(self.channel.handler_for(self.component))
        return self.app

    async def __aexit__(self, *_exc: object) -> None:
        await self.reader.close()
        await self.channel.close()
        await self.app.stop()


async def test_input_delivers_every_message_in_order(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    app = RecordingApp(route="orders")
    async with Reading(app, kafka_component(kafka_broker.bootstrap, topic)):
        # Produced only after start() returned: "newest" must still see every one of them.
        produce(kafka_broker.bootstrap, topic, [json.dumps({"n": n}).encode() for n in range(50)])
        await app.wait_for(50)
    assert app.accepted_values() == [{"n": n} for n in range(50)]
    headers = app.accepted[0].headers
    assert headers["Content-Type"] == "application/json"
    assert headers["__topic"] == topic
    assert headers["__partition"] == "0"
    assert headers["__offset"] == "0"
    assert int(headers["__timestamp"]) > 0
    # What Go's client sends with daprd's deliveries, and no `Accept` (aiohttp's default).
    assert "Accept" not in headers
    assert headers["User-Agent"] == "Go-http-client/1.1"


async def test_a_record_with_no_value_reaches_the_app_as_null(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    app = RecordingApp(route="orders")
    async with Reading(app, kafka_component(kafka_broker.bootstrap, topic)):
        produce(kafka_broker.bootstrap, topic, [None, b"", b"1"])
        await app.wait_for(3)
    # As daprd: no value is the JSON `null`; an empty value stays empty.
    assert [d.body for d in app.accepted] == [b"null", b"", b"1"]


async def test_failed_delivery_is_retried_while_later_ones_wait(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    # The app refuses message 3 twice; daprlite must retry it, not skip it.
    app = RecordingApp(status_for=lambda body, seen: 500 if body == b"3" and seen <= 2 else 200)
    component = kafka_component(kafka_broker.bootstrap, topic, backOffDuration="50ms")
    async with Reading(app, component):
        produce(kafka_broker.bootstrap, topic, [str(n).encode() for n in range(1, 7)])
        await app.wait_for(6)
    assert app.accepted_values() == [1, 2, 3, 4, 5, 6]
    assert app.attempts[b"3"] == 3


async def test_explicit_retry_off_skips_like_daprd(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    app = RecordingApp(status_for=lambda body, _seen: 500 if body == b"2" else 200)
    component = kafka_component(kafka_broker.bootstrap, topic, consumeRetryEnabled="false")
    async with Reading(app, component):
        produce(kafka_broker.bootstrap, topic, [b"1", b"2", b"3"])
        await app.wait_for(2)
    assert app.accepted_values() == [1, 3]
    assert app.attempts[b"2"] == 1


async def test_restart_resumes_after_the_last_accepted_message(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    component = kafka_component(kafka_broker.bootstrap, topic, initialOffset="oldest")
    produce(kafka_broker.bootstrap, topic, [b"1", b"2", b"3"])
    async with Reading(RecordingApp(), component) as first:
        await first.wait_for(3)

    produce(kafka_broker.bootstrap, topic, [b"4", b"5"])
    async with Reading(RecordingApp(), component) as second:
        await second.wait_for(2)
    # Offsets were committed on close: nothing is read twice, nothing is missed.
    assert second.accepted_values() == [4, 5]


async def test_poison_message_goes_to_the_dead_letter_topic(kafka_broker, kafka_topic) -> None:
    topic, parked = kafka_topic(), kafka_topic()
    app = RecordingApp(status_for=lambda body, _seen: 500 if body == b"2" else 200)
    component = kafka_component(
        kafka_broker.bootstrap,
        topic,
        deadLetterTopic=parked,
        backOffDuration="20ms",
        backOffMaxRetries="2",
    )
    async with Reading(app, component):
        produce(kafka_broker.bootstrap, topic, [b"1", b"2", b"3"], key=b"k")
        await app.wait_for(2)
    assert app.accepted_values() == [1, 3]
    assert app.attempts[b"2"] == 3  # the first try and two retries
    [record] = read_records(kafka_broker.bootstrap, parked, 1)
    headers = {name: value.decode() for name, value in record.headers()}
    assert record.value() == b"2"
    assert record.key() == b"k"
    assert headers["daprlite-attempts"] == "3"
    assert headers["daprlite-origin-topic"] == topic
    assert headers["daprlite-origin-offset"] == "1"
    assert "status code: 500" in headers["daprlite-error"]

    # Parking committed its offset: a restart reads nothing again.
    again = RecordingApp()
    async with Reading(again, component):
        produce(kafka_broker.bootstrap, topic, [b"4"])
        await again.wait_for(1)
    assert again.accepted_values() == [4]


async def test_a_stalled_partition_is_visible_and_loses_nothing(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    refusing = True
    app = RecordingApp(status_for=lambda _body, _seen: 503 if refusing else 200)
    reading = Reading(app, kafka_component(kafka_broker.bootstrap, topic, backOffDuration="20ms"))
    async with reading:
        produce(kafka_broker.bootstrap, topic, [b"1", b"2"])

        def retried_three_times() -> dict[str, Any] | None:
            [partition] = reading.reader.status()["partitions"] or [{}]
            return partition if partition.get("retrying", {}).get("attempts", 0) >= 3 else None

        partition = await eventually(
            retried_three_times,
            lambda: f"a third retry in the status; it shows {reading.reader.status()}",
            timeout=20,
        )
        assert partition["retrying"]["offset"] == 0
        assert "503" in partition["retrying"]["lastError"]
        assert app.accepted == []  # message 2 waits behind message 1
        refusing = False
        await app.wait_for(2)
    assert app.accepted_values() == [1, 2]


async def test_closing_during_a_retry_does_not_wait_it_out(kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    app = RecordingApp(status_for=lambda _body, _seen: 503)
    reading = Reading(app, kafka_component(kafka_broker.bootstrap, topic, backOffDuration="1s"))
    await reading.__aenter__()
    try:
        produce(kafka_broker.bootstrap, topic, [b"1"])
        await eventually(lambda: app.attempts, "a first delivery attempt", timeout=20)
    finally:
        started = time.monotonic()
        await reading.__aexit__()
    assert time.monotonic() - started < 3  # not the 5 s grace for an in-flight delivery


async def test_a_member_joining_takes_over_from_the_handled_offset(
    kafka_broker, kafka_topic
) -> None:
    topic = kafka_topic()
    component = kafka_component(kafka_broker.bootstrap, topic)
    first, second = RecordingApp(delay=0.2), RecordingApp()
    async with Reading(first, component):
        # Four seconds of work queued up: the join below lands in the middle of it.
        produce(kafka_broker.bootstrap, topic, [str(n).encode() for n in range(20)])
        await first.wait_for(2)
        # The second member joins while the first is busy with a message: the revoke lets
        # that delivery finish and must commit it, or its next owner would deliver it again.
        async with Reading(second, component):
            produce(kafka_broker.bootstrap, topic, [str(n).encode() for n in range(20, 25)])
            await eventually(
                lambda: len({d.body for d in first.accepted + second.accepted}) >= 25,
                lambda: f"25 messages; accepted {first.accepted} and {second.accepted}",
                timeout=30,
            )
    values = sorted(first.accepted_values() + second.accepted_values())  # type: ignore[type-var]
    assert values == list(range(25))  # each message once: no redelivery, nothing missed

"""bindings.mqtt3 against a real Mosquitto through a real in-process sidecar: publishing (default
and per-request topic, retain, password, TLS), reading (wildcards, order, PUBACK only after the
app's 2xx), retries, the give-up path, the dead-letter topic and persistent sessions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.integration.mqtt3_sidecar import (
    NAME,
    GrpcFailure,
    Watcher,
    component_yaml,
    running,
    unique,
)
from tests.integration.recording_app import RecordingApp
from tests.support.mosquitto import PASSWORD, USERNAME, MosquittoServer
from tests.support.wait import eventually

pytestmark = pytest.mark.mosquitto


def settings(server: MosquittoServer, **extra: str) -> dict[str, str]:
    return {"url": server.url, "topic": unique("topic"), "consumerID": unique("id"), **extra}


async def test_create_publishes_to_the_default_and_the_request_topic(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cc:bindings/mqtt3/mqtt_integration_test.go (TestInvokeWithTopic), through both APIs.
    base = unique("app")
    meta = settings(mosquitto_server, topic=f"/{base}/default", cleanSession="true")
    with Watcher(mosquitto_server.host, mosquitto_server.port, f"/{base}/#") as watcher:
        async with running(tmp_path / "c", {"m": component_yaml(NAME, meta)}, monkeypatch) as run:
            reply = await run.http("create", "hello from default")
            assert (reply.status, reply.body) == (204, b"")
            message = await watcher.next_async()
            # HTTP data is re-encoded as JSON by daprd: a string keeps its quotes.
            assert (message.topic, message.payload) == (f"/{base}/default", b'"hello from default"')
            assert (message.qos, message.retain) == (1, False)

            response = await run.grpc(
                "create", b"hello from customized", {"topic": f"/{base}/customized"}
            )
            assert not isinstance(response, GrpcFailure)
            assert response.data == b""
            message = await watcher.next_async()
            assert (message.topic, message.payload) == (
                f"/{base}/customized",
                b"hello from customized",
            )


async def test_the_mqtt_alias_retain_and_daprd_client_ids(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = settings(mosquitto_server, retain="true")
    yaml = component_yaml(NAME, meta, type_name="bindings.mqtt")
    async with running(tmp_path / "c", {"m": yaml}, monkeypatch) as run:
        assert (await run.http("create", {"n": 1})).status == 204
    # A subscriber that comes later still gets it: the broker kept it as retained.
    with Watcher(mosquitto_server.host, mosquitto_server.port, meta["topic"]) as watcher:
        message = await watcher.next_async()
        assert (message.payload, message.retain) == (b'{"n":1}', True)
        watcher.publish(meta["topic"], b"", retain=True)  # clear it
    log = mosquitto_server.log_file.read_text()
    assert f"as {meta['consumerID']}-producer " in log


async def test_reads_a_wildcard_in_order_and_names_the_topic(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = unique("sensors")
    meta = settings(mosquitto_server, topic=f"{base}/+/temp")
    app = RecordingApp(route=NAME)
    await app.start()
    try:
        components = {"m": component_yaml(NAME, meta)}
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port):
            assert f"as {meta['consumerID']}-consumer " in mosquitto_server.log_file.read_text()
            with Watcher(mosquitto_server.host, mosquitto_server.port) as feeder:
                for n in range(30):
                    feeder.publish(f"{base}/{n % 3}/temp", json.dumps({"n": n}).encode())
                feeder.publish(f"{base}/9/humidity", b'{"n": -1}')  # outside the filter
                await app.wait_for(30)
    finally:
        await app.stop()
    assert app.accepted_values() == [{"n": n} for n in range(30)]
    assert [d.headers["Topic"] for d in app.accepted[:3]] == [f"{base}/{n}/temp" for n in range(3)]
    assert app.accepted[0].headers["Content-Type"] == "application/json"


async def test_a_refused_message_is_retried_in_place_and_shown_while_it_waits(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = settings(mosquitto_server, backOffDuration="100ms")  # no backOffMaxRetries: for ever
    refusing = {b"2"}
    app = RecordingApp(route=NAME, status_for=lambda body, _seen: 500 if body in refusing else 200)
    await app.start()
    try:
        components = {"m": component_yaml(NAME, meta)}
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port) as run:
            with Watcher(mosquitto_server.host, mosquitto_server.port) as feeder:
                for n in range(5):
                    feeder.publish(meta["topic"], str(n).encode())

                async def retrying() -> dict[str, object] | None:
                    [stream] = (await run.input_status())["partitions"]
                    found: dict[str, object] | None = stream.get("retrying")
                    return found if found and int(str(found["attempts"])) >= 3 else None

                stall = await eventually(retrying, "message 2 retried 3 times")
                assert stall["topic"] == meta["topic"]
                assert "status code: 500" in str(stall["lastError"])
                assert [d.body for d in app.accepted] == [b"0", b"1"]  # the rest wait
                refusing.clear()
                await app.wait_for(5)
                status = await run.input_status()
                assert "retrying" not in status["partitions"][0]
                assert status["unacked"] == []
    finally:
        await app.stop()
    assert [d.body for d in app.accepted] == [b"0", b"1", b"2", b"3", b"4"]


async def test_give_up_leaves_the_message_unacked_listed_and_sent_again_on_reconnect(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = settings(mosquitto_server, backOffMaxRetries="1", backOffDuration="100ms")
    refusing = {b"poison"}
    app = RecordingApp(route=NAME, status_for=lambda body, _seen: 500 if body in refusing else 200)
    await app.start()
    components = {"m": component_yaml(NAME, meta)}
    try:
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port) as run:
            with Watcher(mosquitto_server.host, mosquitto_server.port) as feeder:
                for body in (b"a", b"poison", b"b"):
                    feeder.publish(meta["topic"], body)
            await app.wait_for(2)
            status = await eventually(
                lambda: _unacked(run), "the poison message listed as unacknowledged"
            )
            assert status[0]["topic"] == meta["topic"]
            assert "status code: 500" in status[0]["error"]
            assert app.attempts[b"poison"] == 2  # one try and one retry, as backOffMaxRetries
        # No PUBACK was sent: the persistent session gives it to the next connection.
        refusing.clear()
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port):
            await app.wait_for(3)
    finally:
        await app.stop()
    assert [d.body for d in app.accepted] == [b"a", b"b", b"poison"]


async def _unacked(run: object) -> list[dict[str, str]]:
    from tests.integration.mqtt3_sidecar import Running

    assert isinstance(run, Running)
    unacked: list[dict[str, str]] = (await run.input_status())["unacked"]
    return unacked


async def test_dead_letter_topic_parks_the_message_and_acknowledges_it(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dlq = unique("dlq")
    meta = settings(
        mosquitto_server, backOffMaxRetries="2", backOffDuration="50ms", deadLetterTopic=dlq
    )
    app = RecordingApp(route=NAME, status_for=lambda body, _seen: 500 if body == b"bad" else 200)
    await app.start()
    components = {"m": component_yaml(NAME, meta)}
    try:
        with Watcher(mosquitto_server.host, mosquitto_server.port, dlq) as parked:
            async with running(tmp_path / "c", components, monkeypatch, app_port=app.port) as run:
                with Watcher(mosquitto_server.host, mosquitto_server.port) as feeder:
                    for body in (b"1", b"bad", b"2"):
                        feeder.publish(meta["topic"], body)
                await app.wait_for(2)
                assert (await parked.next_async()).payload == b"bad"
                [entry] = (await run.input_status())["deadLetters"]
                assert (entry["deadLetterTopic"], entry["attempts"]) == (dlq, 3)
            # Acknowledged once parked: a new connection does not get it again.
            async with running(tmp_path / "c", components, monkeypatch, app_port=app.port):
                with Watcher(mosquitto_server.host, mosquitto_server.port) as feeder:
                    feeder.publish(meta["topic"], b"3")
                await app.wait_for(3)
    finally:
        await app.stop()
    assert app.attempts[b"bad"] == 3
    assert [d.body for d in app.accepted] == [b"1", b"2", b"3"]


async def test_the_persistent_session_keeps_what_arrives_while_the_sidecar_is_away(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = settings(mosquitto_server)  # cleanSession defaults to false, as in daprd
    app = RecordingApp(route=NAME)
    await app.start()
    components = {"m": component_yaml(NAME, meta)}
    try:
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port):
            pass  # subscribes: the broker now keeps a session for <consumerID>-consumer
        with Watcher(mosquitto_server.host, mosquitto_server.port) as feeder:
            for n in range(5):
                feeder.publish(meta["topic"], str(n).encode())
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port):
            await app.wait_for(5)
    finally:
        await app.stop()
    assert [d.body for d in app.accepted] == [b"0", b"1", b"2", b"3", b"4"]


async def test_user_and_password_from_the_url_and_a_wrong_password(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, port = mosquitto_server.host, mosquitto_server.auth_port
    good = settings(mosquitto_server, url=f"mqtt://{USERNAME}:{PASSWORD}@{host}:{port}")
    bad = settings(mosquitto_server, url=f"mqtt://{USERNAME}:not-{PASSWORD}@{host}:{port}")
    components = {"good": component_yaml("good", good), "bad": component_yaml("bad", bad)}
    async with running(tmp_path / "c", components, monkeypatch, name="good") as run:
        assert (await run.http("create", "x")).status == 204
        run.name = "bad"
        reply = await run.http("create", "x")
        assert reply.status == 500
        assert reply.json()["errorCode"] == "ERR_INVOKE_OUTPUT_BINDING"
        assert (
            "failed to create producer connection: failed to connect to" in reply.json()["message"]
        )
        assert "Not authorized" in reply.json()["message"]
        assert PASSWORD not in reply.body.decode()
        failure = await run.grpc("create", b"x")
        assert isinstance(failure, GrpcFailure)
        assert PASSWORD not in failure.details


async def test_tls_with_a_client_certificate(
    tmp_path: Path, mosquitto_server: MosquittoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = mosquitto_server.ca.client("daprlite-test-client")
    meta = settings(
        mosquitto_server,
        url=f"mqtts://localhost:{mosquitto_server.tls_port}",
        caCert=mosquitto_server.ca.cert,
        clientCert=client.cert,
        clientKey=client.key,
    )
    app = RecordingApp(route=NAME)
    await app.start()
    try:
        components = {"m": component_yaml(NAME, meta)}
        async with running(tmp_path / "c", components, monkeypatch, app_port=app.port) as run:
            assert (await run.http("create", {"secure": True})).status == 204
            await app.wait_for(1)
    finally:
        await app.stop()
    assert app.accepted_values() == [{"secure": True}]


async def test_a_broker_that_is_not_there_fails_the_call_not_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.ports import free_port

    meta = {"url": f"tcp://127.0.0.1:{free_port()}", "topic": "t", "consumerID": "nobody"}
    async with running(tmp_path / "c", {"m": component_yaml(NAME, meta)}, monkeypatch) as run:
        started = asyncio.get_running_loop().time()
        reply = await run.http("create", "x")
        assert reply.status == 500
        assert reply.json()["message"].startswith(
            "error invoking output binding mqtt: failed to create producer connection: "
            "failed to connect to tcp://127.0.0.1:"
        )
        assert asyncio.get_running_loop().time() - started < 25  # bounded: no hang

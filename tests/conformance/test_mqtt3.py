"""components-contrib's conformance cases for bindings.mqtt3 (tests.yml: `mqtt3` profile
`mosquitto`, operations create, operations, read), replayed through daprlite's sidecar, over
HTTP and over gRPC with the official Python SDK (catalog §12).

The component is cc:tests/config/bindings/mqtt3/mosquitto/bindings.yml as it is, with only the
url pointed at the test's own Mosquitto. Steps (bindings.go): init, ping, operations, read
(start reading, wait readBindingWait, create, at least one handler call within
readBindingTimeout), create (outputData, no error), close.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import grpc
import pytest

from tests.integration.mqtt3_sidecar import GrpcFailure, running
from tests.integration.recording_app import RecordingApp
from tests.support.mosquitto import MosquittoServer

pytestmark = pytest.mark.mosquitto

NAME = "binding-mqtt-mosquitto"
COMPONENT = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: binding-mqtt-mosquitto
spec:
  type: bindings.mqtt3
  version: v1
  metadata:
  - name: url
    value: "tcp://localhost:{port}"
  - name: consumerID
    value: "testBindingConsumer"
  - name: topic
    value: "testBindingTopic"
  - name: retain
    value: false
  - name: qos
    value: 1
  - name: cleanSession
    value: false
  - name: backOffMaxRetries
    value: 5
"""
# bindings.go's outputData default (note the space after "eventTime":).
OUTPUT_DATA = (
    b'[{"eventType":"test","eventTime": "2018-01-25T22:12:19.4556811Z",'
    b'"subject":"dapr-conf-tests","id":"A234-1234-1234","data":"root/>"}]'
)
# What daprd's HTTP API hands the binding for it: Go's json.Marshal of the decoded value.
OUTPUT_DATA_VIA_HTTP = (
    b'[{"data":"root/\\u003e","eventTime":"2018-01-25T22:12:19.4556811Z","eventType":"test",'
    b'"id":"A234-1234-1234","subject":"dapr-conf-tests"}]'
)
READ_BINDING_WAIT = 1.0
READ_BINDING_TIMEOUT = 60.0


@pytest.mark.parametrize("api", ["http", "grpc"])
async def test_conformance_mosquitto_profile(
    api: str,
    tmp_path: Path,
    mosquitto_server: MosquittoServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = RecordingApp(route=NAME)
    await app.start()
    components = {"bindings": COMPONENT.format(port=mosquitto_server.port)}
    try:
        async with running(
            tmp_path / api, components, monkeypatch, app_port=app.port, name=NAME
        ) as run:
            # init: the component is up in both directions
            [info] = (await run.metadata())["components"]
            assert info == {
                "name": NAME,
                "type": "bindings.mqtt3",
                "version": "v1",
                "capabilities": ["INPUT_BINDING", "OUTPUT_BINDING"],
            }
            # ping: no sidecar API; the health endpoint stands in for it
            async with run.session.get(
                f"http://127.0.0.1:{run.sidecar.http_port}/v1.0/healthz"
            ) as response:
                assert response.status == 204
            # operations: daprd lists them in the error for an unknown one
            expected = f"binding {NAME} does not support operation get. supported operations:create"
            if api == "http":
                reply = await run.http("get")
                assert reply.status == 500
                assert reply.json() == {
                    "errorCode": "ERR_INVOKE_OUTPUT_BINDING",
                    "message": f"error invoking output binding {NAME}: {expected}",
                }
            else:
                failure = await run.grpc("get")
                assert isinstance(failure, GrpcFailure)
                assert failure.code == grpc.StatusCode.INTERNAL
                assert failure.details == f"error invoking output binding {NAME}: {expected}"
            # read: reading is on; a message published before the subscription would be lost
            await asyncio.sleep(READ_BINDING_WAIT)  # bindings.go's readBindingWait, on purpose
            # create
            if api == "http":
                reply = await run.http("create", json.loads(OUTPUT_DATA))
                assert (reply.status, reply.body) == (204, b"")
                sent = OUTPUT_DATA_VIA_HTTP
            else:
                response = await run.grpc("create", OUTPUT_DATA)
                assert not isinstance(response, GrpcFailure)
                assert (response.data, dict(response.binding_metadata)) == (b"", {})
                sent = OUTPUT_DATA
            # verify read: at least one handler call within readBindingTimeout
            await app.wait_for(1, timeout=READ_BINDING_TIMEOUT)
            assert app.accepted[-1].body == sent
            assert app.accepted[-1].headers["Topic"] == "testBindingTopic"
        # close: the sidecar stopped with exit code 0 (checked by `running`)
    finally:
        await app.stop()

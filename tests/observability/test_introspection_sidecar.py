"""A real sidecar and Kafka binding, read the way the dashboard reads it: `/daprlite/v1/tail`,
`spans`, `status` and `log` on the metrics port, after good and refused messages went through."""

from __future__ import annotations

import io
import json
import sys

import aiohttp
import pytest

from daprlite.model.config import RunConfig
from daprlite.model.tracing import TracingSpec
from daprlite.observability.tracing import OtelTracer
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.integration.recording_app import RecordingApp
from tests.support.components import write_component
from tests.support.wait import eventually

# The Kafka binding of these tests: read and written, retried once, then parked.
RETRY_THEN_PARK = {
    "direction": "input, output",
    "consumeRetryEnabled": "true",
    "backOffMaxRetries": "1",
    "backOffDuration": "20ms",
}
SECRET = "s3cr3t-value"


async def get_json(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, await response.text()


@pytest.mark.kafka
async def test_tail_spans_and_status_of_a_kafka_binding(kafka_broker, kafka_topic, tmp_path):
    topic = kafka_topic()
    folder = write_component(
        tmp_path / "components", "orders", kafka_broker.bootstrap, topic,
        deadLetterTopic=f"{topic}-dlq", **RETRY_THEN_PARK,
    )  # fmt: skip
    app = RecordingApp(
        route="orders", status_for=lambda body, _seen: 500 if b"poison" in body else 200
    )
    await app.start()
    config = RunConfig(
        app_id="intro-app", app_port=app.port, components_paths=(folder,), shutdown_grace=2.0
    )
    tracer = OtelTracer("intro-app", TracingSpec(sampling_rate=1.0), processors=())
    sidecar = Sidecar(config, printer=Printer(io.StringIO()), tracer=tracer)
    try:
        await sidecar.startup()
        base = f"http://127.0.0.1:{sidecar.metrics_port}/daprlite/v1"
        invoke = f"http://127.0.0.1:{sidecar.http_port}/v1.0/bindings/orders"
        async with aiohttp.ClientSession() as session:
            for n, data in enumerate(["good-1", "poison", "good-2"]):
                body = {"operation": "create", "data": data,
                        "metadata": {"partitionKey": f"k{n}", "apiToken": SECRET}}  # fmt: skip
                async with session.post(invoke, json=body) as answer:
                    assert answer.status == 204
            await app.wait_for(2)

            async def status() -> dict:
                code, text = await get_json(session, f"{base}/status")
                assert code == 200
                return json.loads(text)

            async def parked_and_caught_up() -> bool:
                [binding] = (await status())["inputBindings"]
                [partition] = binding["partitions"]
                # The cached high watermark may lag behind for a second; wait for it too.
                return bool(binding["deadLetters"]) and partition["end"] == 3

            await eventually(parked_and_caught_up, "the poison message parked and lag 0")
            report = await status()
            code, tail_text = await get_json(session, f"{base}/tail?after=0")
            _, spans_text = await get_json(session, f"{base}/spans")
            bad_code, _ = await get_json(session, f"{base}/tail?after=soon")
            _, other = await get_json(session, f"{base}/nothing-here")
    finally:
        await sidecar.shutdown()
        await app.stop()

    assert report["appId"] == "intro-app" and report["initErrors"] == []
    [component] = report["components"]
    assert component["name"] == "orders" and component["scopes"] == []
    assert component["file"].startswith(str(folder / "orders.yaml") + ":")
    [binding] = report["inputBindings"]
    [partition] = binding["partitions"]
    assert partition["group"] == f"group-{topic}"
    assert partition["position"] == partition["end"] == 3 and partition["lag"] == 0
    [parked] = binding["deadLetters"]
    assert parked["deadLetterTopic"] == f"{topic}-dlq"
    assert (parked["topic"], parked["offset"], parked["key"]) == (topic, 1, "k1")
    assert parked["attempts"] == 2 and "500" in parked["error"]

    assert code == 200 and SECRET not in tail_text
    messages = json.loads(tail_text)["messages"]
    sent = [m for m in messages if m["direction"] == "output"]
    assert [m["value"] for m in sent] == ['"good-1"', '"poison"', '"good-2"']
    assert all(m["headers"]["apiToken"] == "******" for m in messages)
    delivered = [(m["value"], m["attempt"], m["ok"]) for m in messages if m["direction"] == "input"]
    assert ('"poison"', 1, False) in delivered and ('"poison"', 2, False) in delivered
    assert ('"good-2"', 1, True) in delivered
    good = next(m for m in messages if m["direction"] == "input" and m["value"] == '"good-1"')
    assert good["offset"] == "0" and good["key"] == "k0" and good["traceId"]

    spans = json.loads(spans_text)
    assert spans["tracing"] is True
    in_trace = {s["name"] for s in spans["spans"] if s["traceId"] == good["traceId"]}
    assert in_trace == {"/v1.0/bindings/orders", "bindings/orders"}
    assert {s["serviceName"] for s in spans["spans"]} == {"intro-app"}
    assert bad_code == 400
    assert "dapr_component_output_binding_count" in other  # every other path: the metrics


BROKEN = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: files
spec:
  type: bindings.localstorage
  version: v1
  ignoreErrors: true
  metadata:
  - {{name: rootPath, value: "{root}"}}
"""


async def test_the_apps_output_and_skipped_components_are_kept(tmp_path):
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    (tmp_path / "files.yaml").write_text(BROKEN.format(root=not_a_folder))
    script = "import sys; print('first line'); print('second line'); sys.stdout.flush(); input()"
    config = RunConfig(
        app_id="log-app", components_paths=(tmp_path,), command=(sys.executable, "-c", script)
    )
    sidecar = Sidecar(config, printer=Printer(io.StringIO()))
    try:
        await sidecar.startup()
        url = f"http://127.0.0.1:{sidecar.metrics_port}/daprlite/v1/log?after=0"
        async with aiohttp.ClientSession() as session:

            async def both_lines() -> bool:
                _, text = await get_json(session, url)
                return [line["text"] for line in json.loads(text)["lines"]] == [
                    "first line",
                    "second line",
                ]

            await eventually(both_lines, "the app's two lines in /daprlite/v1/log")
            status_url = f"http://127.0.0.1:{sidecar.metrics_port}/daprlite/v1/status"
            _, text = await get_json(session, status_url)
    finally:
        await sidecar.shutdown()
    [skipped] = json.loads(text)["initErrors"]
    assert (skipped["name"], skipped["type"]) == ("files", "bindings.localstorage")
    assert "files.yaml:10" in skipped["error"] and "not a directory" in skipped["error"]

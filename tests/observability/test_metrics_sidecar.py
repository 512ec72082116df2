"""A real sidecar with a real Kafka binding: HTTP and gRPC output calls, input deliveries, then
/metrics scraped over HTTP and read with prometheus_client's exposition parser."""

from __future__ import annotations

import io

import aiohttp
import grpc
import pytest
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.integration.recording_app import RecordingApp
from tests.support.wait import eventually

pytestmark = pytest.mark.kafka

COMPONENT = """apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: bindings.kafka
  version: v1
  metadata:
  - {{name: brokers, value: "{brokers}"}}
  - {{name: topics, value: "{topic}"}}
  - {{name: publishTopic, value: "{topic}"}}
  - {{name: consumerGroup, value: "group-{topic}"}}
  - {{name: authType, value: "none"}}
  - {{name: initialOffset, value: "oldest"}}
  - {{name: direction, value: "input, output"}}
"""


async def scrape(port: int) -> tuple[str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        return response.headers["Content-Type"], await response.text()


def by_family(text: str) -> dict[str, tuple[str, list[tuple[str, dict[str, str], float]]]]:
    return {
        f.name: (f.type, [(s.name, s.labels, s.value) for s in f.samples])
        for f in text_string_to_metric_families(text)
    }


def total(family: tuple[str, list[tuple[str, dict[str, str], float]]], **labels: str) -> float:
    _, found = family
    return sum(v for _, got, v in found if all(got.get(k) == want for k, want in labels.items()))


async def test_sidecar_metrics_over_http(kafka_broker, kafka_topic, tmp_path) -> None:
    topic = kafka_topic()
    folder = tmp_path / "components"
    folder.mkdir()
    (folder / "kafka.yaml").write_text(
        COMPONENT.format(brokers=kafka_broker.bootstrap, topic=topic)
    )
    app = RecordingApp(route="orders")
    await app.start()
    config = RunConfig(
        app_id="metrics-app", app_port=app.port, components_paths=(folder,), shutdown_grace=2.0
    )
    sidecar = Sidecar(config, printer=Printer(io.StringIO()))
    try:
        await sidecar.startup()
        assert sidecar.metrics_port > 0
        url = f"http://127.0.0.1:{sidecar.http_port}/v1.0/bindings/orders"
        async with aiohttp.ClientSession() as session:
            for i in range(3):
                async with session.post(url, json={"data": {"n": i}, "operation": "create"}) as r:
                    assert r.status == 204
            async with session.post(url, json={"data": 1, "operation": "nope"}) as r:
                assert r.status == 500  # daprd: unsupported operation
        async with grpc.aio.insecure_channel(f"127.0.0.1:{sidecar.grpc_port}") as channel:
            stub = dapr_pb2_grpc.DaprStub(channel)
            for _ in range(2):
                await stub.InvokeBinding(
                    binding_pb2.InvokeBindingRequest(
                        name="orders", data=b'{"g":1}', operation="create"
                    )
                )
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.InvokeBinding(
                    binding_pb2.InvokeBindingRequest(name="orders", data=b"1", operation="nope")
                )
            assert refused.value.code() == grpc.StatusCode.INTERNAL
        await app.wait_for(5)

        def delivered() -> bool:
            text = sidecar.metrics.render() if sidecar.metrics else ""
            return (
                'dapr_component_input_binding_count{app_id="metrics-app",component="orders",'
                'namespace="",success="true"} 5' in text
            )

        await eventually(delivered, "5 input deliveries recorded")

        def caught_up() -> bool:
            # The poll thread reads the cached high watermark once a second.
            text = sidecar.metrics.render() if sidecar.metrics else ""
            return (
                'daprlite_input_binding_partition_lag{app_id="metrics-app",component="orders",'
                f'topic="{topic}",partition="0"}} 0' in text
            )

        await eventually(caught_up, "partition 0's lag reported as 0")
        content_type, text = await scrape(sidecar.metrics_port)
    finally:
        await sidecar.shutdown()
        await app.stop()

    assert content_type.startswith("text/plain; version=0.0.4")
    families = by_family(text)
    # Dapr's counters keep their names, with no _total, typed counter.
    assert "\ndapr_component_output_binding_count{" in text
    out = families["dapr_component_output_binding_count"]
    assert out[0] == "counter"
    assert (
        total(out, app_id="metrics-app", component="orders", operation="create", success="true")
        == 5
    )
    assert set(out[1][0][1]) == {"app_id", "component", "namespace", "operation", "success"}
    # An operation the binding refuses is a failed call, as daprd counts it (HTTP and gRPC).
    assert total(out, component="orders", operation="nope", success="false") == 2
    lat = families["dapr_component_output_binding_latencies"]
    assert lat[0] == "histogram"
    assert len({s[1]["le"] for s in lat[1] if s[0].endswith("_bucket")}) == 35  # 34 bounds + Inf
    inp = families["dapr_component_input_binding_count"]
    assert total(inp, component="orders", success="true") == 5
    assert families["dapr_component_input_binding_latencies"][0] == "histogram"

    http = families["dapr_http_server_request_count"]
    assert http[0] == "counter"
    assert total(http, method="POST", path="/v1.0/bindings/orders", status="204") == 3
    assert total(http, method="POST", path="/v1.0/bindings/orders", status="500") == 1
    # daprd's default (increasedCardinality) also counts each response, with the same labels.
    responses = families["dapr_http_server_response_count"]
    assert responses[0] == "counter"
    assert total(responses, method="POST", path="/v1.0/bindings/orders", status="204") == 3
    assert total(responses, method="POST", path="/v1.0/bindings/orders", status="500") == 1
    assert families["dapr_http_server_latency"][0] == "histogram"
    assert total(families["dapr_http_server_request_bytes"], app_id="metrics-app") > 0

    rpcs = families["dapr_grpc_io_server_completed_rpcs"]
    assert (
        total(
            rpcs,
            grpc_server_method="/dapr.proto.runtime.v1.Dapr/InvokeBinding",
            grpc_server_status="OK",
        )
        == 2
    )
    assert total(rpcs, grpc_server_status="Internal") == 1  # Go's name for the code
    assert families["dapr_grpc_io_server_server_latency"][0] == "histogram"

    # The deliveries to the app and the start-up probe, as daprd's app channel counts them.
    client = families["dapr_http_client_completed_count"]
    assert client[0] == "counter"
    assert total(client, method="POST", path="/orders", status="200") == 5
    # `direction: input, output` skips the OPTIONS probe (daprd's rule), so none is counted.
    assert total(client, method="OPTIONS") == 0
    sent = families["dapr_http_client_sent_bytes"]
    assert {s[1]["status"] for s in sent[1]} == {""}

    # This one Dapr does name with _total; the parser files it under the bare family name.
    assert "# TYPE dapr_runtime_component_init_total counter" in text
    init = families["dapr_runtime_component_init"]
    # The component reads and writes: daprd counts the init of each direction.
    assert total(init, app_id="metrics-app", component="bindings.kafka") == 2
    assert total(families["dapr_runtime_component_loaded"], app_id="metrics-app") == 1

    # daprlite's extras: end-to-end delay per message, per-partition lag and stall gauges.
    e2e = families["daprlite_input_binding_end_to_end_latencies"]
    assert [v for n, _, v in e2e[1] if n.endswith("_count")] == [5]
    assert families["daprlite_input_binding_partition_stalled"][0] == "gauge"
    assert any(n.startswith("process_") for n in families)


async def test_metrics_off_opens_no_port(tmp_path) -> None:
    folder = tmp_path / "components"
    folder.mkdir()
    config = RunConfig(app_id="quiet", components_paths=(folder,), enable_metrics=False)
    sidecar = Sidecar(config, printer=Printer(io.StringIO()))
    try:
        await sidecar.startup()
        assert sidecar.metrics is None and sidecar.metrics_port == 0
    finally:
        await sidecar.shutdown()

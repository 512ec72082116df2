"""`daprlite run --config FILE` end to end: a Configuration that samples everything and exports
over OTLP/HTTP to a receiver started here; a Python app sends an order through the output
binding to Kafka, and the same sidecar's input binding delivers it back to the app. The spans
form one trace. A second run with `spec.metrics.enabled: false` serves no metrics."""

from __future__ import annotations

import re
import sys
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.cli import listed
from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.components import write_component
from tests.support.otlp import receiver_in_thread
from tests.support.wait import wait_until

APP = Path(__file__).resolve().parents[1] / "apps" / "traced_roundtrip_app.py"
BINDING = "traced-orders"
TRACE, CALLER_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
CONFIG = """apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: traced
spec:
  tracing:
    samplingRate: "1"
    otel:
      endpointAddress: "127.0.0.1:{port}"
      protocol: http
      isSecure: false
  metrics:
    enabled: {metrics}
"""


def start(tmp_path: Path, config: Path, topic_components: Path, app_port: int) -> DaprliteRun:
    return DaprliteRun(
        ["--app-id", "roundtrip", "--app-port", str(app_port), "--components-path",
         str(topic_components), "--config", str(config), "--",
         sys.executable, str(APP)],
        cwd=tmp_path,
        env={"BINDING_NAME": BINDING, "CALLER_TRACEPARENT": f"00-{TRACE}-{CALLER_SPAN}-01",
             "DAPRLITE_HOME": str(tmp_path / "home")},
    )  # fmt: skip


def test_one_trace_from_the_output_call_to_the_input_delivery(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port
) -> None:
    components = write_component(
        tmp_path / "components", BINDING, kafka_broker.bootstrap, kafka_topic()
    )
    with receiver_in_thread() as receiver:
        config = tmp_path / "config.yaml"
        config.write_text(CONFIG.format(port=receiver.port, metrics="true"))
        run = start(tmp_path, config, components, unused_tcp_port)
        try:
            [line] = run.wait_for(r"metrics server started on 127\.0\.0\.1:\d+/", timeout=90)
            metrics_port = int(re.search(r":(\d+)/", line).group(1))  # type: ignore[union-attr]
            run.wait_for(re.escape(READY_MARK), timeout=90)
            run.wait_for(r"== APP == SENT status=204")
            [got] = run.wait_for(r"== APP == GOT ", timeout=60)
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as r:
                scraped = r.read().decode()
        finally:
            assert run.stop() in (0, 143), run.output  # the sidecar flushes its spans on stop
        wait_until(lambda: len(receiver.spans) >= 2, lambda: f"2 spans; got {receiver.spans}")
        spans = {span.name: (service, span) for service, span in receiver.spans}  # type: ignore[attr-defined]

    assert '{"orderId":7}' in got, run.output
    out_service, out_span = spans[f"/v1.0/bindings/{BINDING}"]
    in_service, in_span = spans[f"bindings/{BINDING}"]
    assert out_service == in_service == "roundtrip"
    assert out_span.trace_id.hex() == in_span.trace_id.hex() == TRACE
    assert out_span.parent_span_id.hex() == CALLER_SPAN  # the app's own traceparent
    assert in_span.parent_span_id == out_span.span_id  # through the Kafka record's header
    # The app got the delivery span's context, so its own spans would join the same trace.
    assert f"traceparent=00-{TRACE}-{in_span.span_id.hex()}-01" in got

    # The same run's metrics counted the delivery to the app, as daprd's app channel does.
    families = {f.name: f for f in text_string_to_metric_families(scraped)}
    delivered = [
        s for s in families["dapr_http_client_completed_count"].samples
        if s.labels["method"] == "POST" and s.labels["path"] == f"/{BINDING}"
    ]  # fmt: skip
    assert [(s.labels["status"], s.value) for s in delivered] == [("200", 1.0)]


def test_metrics_enabled_false_serves_no_metrics(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port
) -> None:
    components = write_component(
        tmp_path / "components", BINDING, kafka_broker.bootstrap, kafka_topic()
    )
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(port=1, metrics="false"))  # nothing listens: spans dropped
    run = start(tmp_path, config, components, unused_tcp_port)
    try:
        run.wait_for(re.escape(READY_MARK), timeout=90)
        [row] = wait_until(lambda: listed(tmp_path / "home"), "the run listed")
        assert (row["metricsEnabled"], row["metricsPort"]) == (False, 0)
    finally:
        run.stop()
    assert "metrics server started" not in run.output

"""The observer -> metrics mapping, read back through a real Prometheus exposition parser."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client.parser import text_string_to_metric_families

from daprlite.gocompat.floats import format_g
from daprlite.model.contracts import BindingEvent, InvokeRequest, StreamLag
from daprlite.observability.exposition import LATENCY_MS
from daprlite.observability.fanout import combine
from daprlite.observability.metrics import Metrics

CREATE = InvokeRequest(b"", {}, "create")
EVENT = BindingEvent(b"order", {})


def families(metrics: Metrics) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(metrics.render())}


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The samples of `name`. prometheus_client's parser renames a counter's samples to
    `<family>_total`, so a counter is found by its family (the name as written)."""
    return [
        (s.labels, s.value)
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == name or (f.type == "counter" and f.name == name)
    ]


def test_nothing_is_written_before_the_first_recording() -> None:
    assert Metrics("a").render() == ""


def test_output_call_counts_and_latency_with_daprs_labels() -> None:
    m = Metrics("producer", environ={})
    m.output_invoked("kafka-binding", CREATE, 0.0042, None)
    m.output_invoked("kafka-binding", CREATE, 0.2, "broker down")
    text = m.render()
    # Dapr's counter has no _total suffix, and the type line says counter.
    assert "# TYPE dapr_component_output_binding_count counter" in text
    assert (
        'dapr_component_output_binding_count{app_id="producer",component="kafka-binding",'
        'namespace="",operation="create",success="true"} 1' in text
    )
    latencies = samples(text, "dapr_component_output_binding_latencies_bucket")
    bounds = [labels["le"] for labels, _ in latencies if labels["success"] == "true"]
    assert bounds == [format_g(b) for b in LATENCY_MS] + ["+Inf"]
    ok = {labels["le"]: value for labels, value in latencies if labels["success"] == "true"}
    assert ok["4"] == 0 and ok["5"] == 1 and ok["+Inf"] == 1  # 4.2 ms
    (fail_sum,) = [
        v
        for labels, v in samples(text, "dapr_component_output_binding_latencies_sum")
        if labels["success"] == "false"
    ]
    assert fail_sum == pytest.approx(200.0)


def test_each_delivery_attempt_counts_and_retries_stalls_give_ups_are_ours() -> None:
    m = Metrics("consumer", environ={"NAMESPACE": "dev"})
    m.input_delivered("orders", EVENT, 1, 0.001, "status 500")
    m.input_retry("orders", 1, 0.5)
    m.input_stalled("orders", True)
    m.input_delivered("orders", EVENT, 2, 0.001, None)
    text = m.render()
    counts = dict(
        (labels["success"], v) for labels, v in samples(text, "dapr_component_input_binding_count")
    )
    assert counts == {"true": 1, "false": 1}
    assert samples(text, "daprlite_input_binding_retries_total") == [
        ({"app_id": "consumer", "component": "orders"}, 1)
    ]
    assert samples(text, "daprlite_input_binding_stalled_streams")[0][1] == 1
    m.input_stalled("orders", False)
    m.input_gave_up("orders", "skipped")
    m.input_gave_up("orders", "dead_lettered")
    m.input_gave_up("orders", "dead_lettered")
    text = m.render()
    assert samples(text, "daprlite_input_binding_stalled_streams")[0][1] == 0
    given = {
        labels["outcome"]: v for labels, v in samples(text, "daprlite_input_binding_given_up_total")
    }
    assert given == {"skipped": 1, "dead_lettered": 2}
    assert 'namespace="dev"' in text


def test_component_init_series() -> None:
    m = Metrics("a", environ={})
    # One bidirectional Kafka binding: daprd counts each direction's init.
    m.component_initialized("bindings.kafka")
    m.component_initialized("bindings.kafka")
    m.component_loaded()
    m.component_init_failed("bindings.cron", "tick", "init")
    text = m.render()
    assert samples(text, "dapr_runtime_component_init_total") == [
        ({"app_id": "a", "component": "bindings.kafka"}, 2)
    ]
    # daprd 1.18 counts each component loaded, without the type; a failed one is not loaded.
    assert "# TYPE dapr_runtime_component_loaded counter" in text
    assert samples(text, "dapr_runtime_component_loaded") == [({"app_id": "a"}, 1)]
    assert samples(text, "dapr_runtime_component_init_fail_total") == [
        (
            {
                "app_id": "a",
                "component": "bindings.cron",
                "reason": "init",
                "componentName": "tick",
            },
            1,
        )
    ]


class _Lagging:
    def __init__(self) -> None:
        self.streams = [StreamLag("orders", "0", 7, False), StreamLag("orders", "1", None, True)]

    def lag(self) -> list[StreamLag]:
        return self.streams


def test_lag_is_read_at_scrape_time_from_a_reports_lag_binding() -> None:
    m = Metrics("a", environ={})
    source = _Lagging()
    m.watch_input("in", source)
    text = m.render()
    assert samples(text, "daprlite_input_binding_partition_lag") == [
        ({"app_id": "a", "component": "in", "topic": "orders", "partition": "0"}, 7)
    ]
    stalled = {
        labels["partition"]: v
        for labels, v in samples(text, "daprlite_input_binding_partition_stalled")
    }
    assert stalled == {"0": 0, "1": 1}
    # Pre-registered at zero: "no give-ups" is told apart from "no data".
    assert len(samples(text, "daprlite_input_binding_given_up_total")) == 2
    source.streams = []  # a revoked partition disappears from the next scrape
    assert samples(m.render(), "daprlite_input_binding_partition_lag") == []


async def test_end_to_end_delay_from_the_record_timestamp() -> None:
    m = Metrics("a", environ={})

    async def app(event: BindingEvent) -> None:
        await asyncio.sleep(0)

    handler = m.timed_handler("in", app)
    import time

    await handler(BindingEvent(b"x", {"__timestamp": str(int(time.time() * 1000) - 1500)}))
    await handler(BindingEvent(b"x", {}))  # cron: no timestamp, nothing measured
    (count,) = samples(m.render(), "daprlite_input_binding_end_to_end_latencies_count")
    assert count[1] == 1
    (total,) = samples(m.render(), "daprlite_input_binding_end_to_end_latencies_sum")
    assert 1400 < total[1] < 5000


def test_fan_out_tells_every_observer() -> None:
    a, b = Metrics("a", environ={}), Metrics("b", environ={})
    both = combine(a, b)
    both.output_invoked("x", CREATE, 0.001, None)
    assert "dapr_component_output_binding_count" in a.render()
    assert "dapr_component_output_binding_count" in b.render()
    assert combine(a) is a


@pytest.mark.parametrize(
    ("value", "go"),
    [(1.0, "1"), (100000.0, "100000"), (1048576.0, "1.048576e+06"), (5e6, "5e+06"),
     (0.5, "0.5"), (1.234e-05, "1.234e-05"), (4294967296.0, "4.294967296e+09")],
)  # fmt: skip
def test_numbers_are_written_as_go_strconv_g(value: float, go: str) -> None:
    assert format_g(value) == go

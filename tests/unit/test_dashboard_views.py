"""The Apps, Bindings and Partitions documents, from poller state built by hand."""

from __future__ import annotations

from daprlite.dashboard.discovery import sidecar_of
from daprlite.dashboard.poller import AppState, record_positions
from daprlite.dashboard.scrape import parse
from daprlite.dashboard.views import apps_view, bindings_view, partitions_view, tail_message
from daprlite.process.runs import RunEntry

METADATA = {
    "id": "consumer",
    "components": [
        {"name": "sample-topic", "type": "bindings.kafka", "version": "v1",
         "capabilities": ["INPUT_BINDING", "OUTPUT_BINDING"]},
        {"name": "store", "type": "state.redis"},
    ],
}  # fmt: skip


def state(metrics_port: int = 9999) -> AppState:
    entry = RunEntry(
        app_id="consumer", http_port=3500, grpc_port=50001, created=1.0, cli_pid=42,
        cli_started=0.0, app_port=3000, command="python app.py", metrics_port=metrics_port,
    )  # fmt: skip
    return AppState(sidecar_of(entry), metadata=METADATA)


def status(position: int, lag: int, retrying: dict | None = None) -> dict:
    partition = {"topic": "orders", "partition": 0, "pending": 0, "group": "g",
                 "position": position, "end": position + lag, "lag": lag}  # fmt: skip
    if retrying:
        partition["retrying"] = retrying
    return {
        "components": [{"name": "sample-topic", "file": "/c/kafka.yaml:4", "scopes": ["consumer"]}],
        "initErrors": [{"name": "bad", "type": "bindings.kafka", "error": "no brokers"}],
        "inputBindings": [{"name": "sample-topic", "partitions": [partition],
                           "deadLetters": [{"time": 5.0, "deadLetterTopic": "dlq",
                                            "topic": "orders", "partition": 0, "offset": 3,
                                            "key": "k", "error": "500", "attempts": 4}]}],
    }  # fmt: skip


def test_apps_show_components_as_the_seed_reads_them_and_init_errors() -> None:
    s = state()
    s.status = status(1, 0)
    [app] = apps_view({"k": s})
    assert app["key"] == "42-consumer"
    assert [c["label"] for c in app["components"]] == [
        "sample-topic (bindings.kafka/v1)",
        "store (state.redis)",
    ]
    assert [(c["scopes"], c["file"]) for c in app["components"]] == [
        (["consumer"], "/c/kafka.yaml:4"),
        ([], ""),
    ]
    assert app["status"] == "running"
    assert app["initErrors"] == [{"name": "bad", "type": "bindings.kafka", "error": "no brokers"}]


def test_an_unreachable_sidecar_is_marked_not_dropped() -> None:
    s = state()
    s.metadata_error = "127.0.0.1:3500/v1.0/metadata: connection refused"
    [app] = apps_view({"k": s})
    assert app["status"] == "metadata unreachable"
    assert "connection refused" in app["error"]


def test_bindings_without_traffic_show_zero_rows_from_the_metadata() -> None:
    rows = bindings_view({"k": state()})
    assert [(r["binding"], r["direction"], r["perSecond"]) for r in rows] == [
        ("sample-topic", "input", 0.0),
        ("sample-topic", "output", 0.0),
    ]


def test_retries_and_given_up_counts_on_input_rows() -> None:
    s = state()
    labels = 'app_id="consumer",component="sample-topic"'
    s.scrapes.append(
        parse(
            "# TYPE daprlite_input_binding_retries_total counter\n"
            f"daprlite_input_binding_retries_total{{{labels}}} 3\n"
            "# TYPE daprlite_input_binding_given_up_total counter\n"
            f'daprlite_input_binding_given_up_total{{{labels},outcome="skipped"}} 2\n',
            at=1.0,
        )
    )
    rows = {r["direction"]: r for r in bindings_view({"k": s})}
    assert (rows["input"]["retries"], rows["input"]["skipped"]) == (3, 2)
    assert rows["input"]["deadLettered"] == 0
    assert rows["output"]["retries"] is None


def test_a_retrying_partition_is_stall_at_once() -> None:
    s = state()
    s.status = status(7, 3, {"offset": 7, "attempts": 2, "lastError": "app answered 500",
                             "waitingSeconds": 0.4})  # fmt: skip
    record_positions(s, s.status, now=10.0)
    doc = partitions_view({"k": s}, now=10.1)
    [row] = doc["partitions"]
    assert row["status"] == "STALL"
    assert row["retrying"]["lastError"] == "app answered 500"
    assert (row["position"], row["end"], row["lag"], row["group"]) == (7, 10, 3, "g")
    [dead] = doc["deadLetters"]
    assert (dead["deadLetterTopic"], dead["attempts"], dead["appId"]) == ("dlq", 4, "consumer")


def test_burrow_status_from_the_recorded_window_and_stop_when_reports_end() -> None:
    s = state()
    for second in range(5):  # lag never falls while the position moves: WARN
        s.status = status(position=second, lag=5 + second)
        record_positions(s, s.status, now=float(second))
    assert partitions_view({"k": s}, now=4.5)["partitions"][0]["status"] == "WARN"
    s.status = None  # the sidecar stopped answering its status
    [row] = partitions_view({"k": s}, now=30.0)["partitions"]
    assert (row["status"], row["unreported"], row["lag"]) == ("STOP", True, 9)


def test_tail_headers_are_masked_again() -> None:
    shown = tail_message({"binding": "b", "headers": {"x-api-key": "k-123", "orderId": "7"}})
    assert shown["headers"] == {"x-api-key": "******", "orderId": "7"}

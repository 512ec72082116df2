"""Spans of several sidecars merged into traces, and a trace's waterfall rows."""

from __future__ import annotations

from daprlite.dashboard.traces import merge, summaries, waterfall

MS = 1_000_000
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def span(span_id: str, parent: str, start_ms: float, end_ms: float, name: str, **extra):
    return {
        "name": name,
        "kind": extra.pop("kind", "SERVER"),
        "traceId": extra.pop("trace", TRACE),
        "spanId": span_id,
        "parentSpanId": parent,
        "startUnixNano": int(start_ms * MS),
        "endUnixNano": int(end_ms * MS),
        "status": extra.pop("status", "UNSET"),
        "attributes": {},
        **extra,
    }


def producer_and_consumer():
    producer = [span("a1", "", 1000, 1004, "/v1.0/bindings/orders", kind="CLIENT")]
    consumer = [span("b1", "a1", 1006, 1009, "bindings/orders")]
    return [("pythonapp", producer), ("nodeapp", consumer)]


def test_spans_of_two_sidecars_make_one_trace() -> None:
    traces = merge(producer_and_consumer())
    assert list(traces) == [TRACE]
    assert [s["serviceName"] for s in traces[TRACE]] == ["pythonapp", "nodeapp"]
    [row] = summaries(traces)
    assert row["root"] == "pythonapp: /v1.0/bindings/orders"
    assert row["services"] == ["pythonapp", "nodeapp"]
    assert row["durationMs"] == 9.0
    assert (row["spans"], row["error"]) == (2, False)


def test_a_span_seen_twice_counts_once_and_keeps_its_own_service_name() -> None:
    again = [span("a1", "", 1000, 1004, "/v1.0/bindings/orders", serviceName="py")]
    traces = merge([*producer_and_consumer(), ("other", again)])
    assert [s["spanId"] for s in traces[TRACE]] == ["a1", "b1"]
    assert traces[TRACE][0]["serviceName"] == "py"


def test_waterfall_offsets_depths_and_labels() -> None:
    spans = [
        span("r", "", 0, 10, "root"),
        span("c2", "r", 6, 8, "second"),
        span("c1", "r", 1, 5, "first"),
        span("g", "c1", 2, 3, "grandchild", status="ERROR"),
        span("o", "missing-parent", 4, 4.5, "orphan"),
    ]
    rows = waterfall(merge([("app", spans)])[TRACE])
    assert [(r["name"], r["depth"]) for r in rows] == [
        ("root", 0), ("first", 1), ("grandchild", 2), ("second", 1), ("orphan", 0),
    ]  # fmt: skip
    first = rows[1]
    assert (first["offsetMs"], first["durationMs"]) == (1.0, 4.0)
    assert first["label"] == "app: first (4.00 ms)"
    assert summaries(merge([("app", spans)]))[0]["error"] is True


def test_newest_trace_first_and_spans_without_ids_ignored() -> None:
    old = span("x", "", 1, 2, "old", trace="1" * 32)
    new = span("y", "", 5, 6, "new", trace="2" * 32)
    broken = {"name": "no ids"}
    rows = summaries(merge([("app", [old, new, broken])]))
    assert [r["root"] for r in rows] == ["app: new", "app: old"]


def test_a_parent_cycle_still_shows_every_span() -> None:
    spans = [span("p", "q", 0, 1, "p"), span("q", "p", 1, 2, "q")]
    assert {r["name"] for r in waterfall(merge([("app", spans)])[TRACE])} == {"p", "q"}

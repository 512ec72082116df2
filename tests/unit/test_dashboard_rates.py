"""Rates and percentiles from scrapes: PromQL's histogram_quantile, counter resets, windows."""

from __future__ import annotations

import math

import pytest

from daprlite.dashboard.rates import binding_rates, histogram_quantile, increase, window
from daprlite.dashboard.scrape import Scrape, parse

INF = math.inf


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        (0.5, [(1, 0), (2, 10), (4, 10), (INF, 10)], 1.5),  # the middle of the (1, 2] bucket
        (0.5, [(10, 4), (INF, 4)], 5.0),  # the lowest bucket starts at 0
        (0.95, [(1, 0), (2, 5), (4, 10), (INF, 10)], 3.8),
        (0.99, [(1, 1), (2, 1), (INF, 10)], 2.0),  # in +Inf: the highest finite bound
        (0.5, [(1, 0), (INF, 0)], None),  # nothing observed
        (0.5, [], None),
        (1.0, [(1, 2), (2, 2), (INF, 2)], 1.0),
    ],
)
def test_histogram_quantile(q, buckets, expected) -> None:
    got = histogram_quantile(q, buckets)
    assert got == pytest.approx(expected) if expected is not None else got is None


def test_a_counter_that_went_down_restarted_from_zero() -> None:
    assert increase(15.0, 10.0) == 5.0
    assert increase(3.0, 10.0) == 3.0


def text(ok: float, failed: float, le1: float, le2: float) -> str:
    """A sidecar's input series for binding `orders`: `le1` calls up to 1 ms, `le2` up to 2."""
    labels = 'app_id="a",component="orders",namespace=""'
    return f"""# HELP dapr_component_input_binding_count The number of input binding events.
# TYPE dapr_component_input_binding_count counter
dapr_component_input_binding_count{{{labels},success="true"}} {ok}
dapr_component_input_binding_count{{{labels},success="false"}} {failed}
# HELP dapr_component_input_binding_latencies The latency.
# TYPE dapr_component_input_binding_latencies histogram
dapr_component_input_binding_latencies_bucket{{{labels},success="true",le="1"}} {le1}
dapr_component_input_binding_latencies_bucket{{{labels},success="true",le="2"}} {le1 + le2}
dapr_component_input_binding_latencies_bucket{{{labels},success="true",le="+Inf"}} {le1 + le2}
dapr_component_input_binding_latencies_sum{{{labels},success="true"}} 1
dapr_component_input_binding_latencies_count{{{labels},success="true"}} {le1 + le2}
# HELP dapr_http_server_request_count ignored by the dashboard
# TYPE dapr_http_server_request_count counter
dapr_http_server_request_count{{app_id="a",method="GET",path="/",status="200"}} 7
"""


def test_rates_and_percentiles_over_the_window() -> None:
    history = [
        parse(text(ok=10, failed=1, le1=10, le2=0), at=100.0),
        parse(text(ok=15, failed=1, le1=10, le2=0), at=105.0),
        parse(text(ok=30, failed=3, le1=10, le2=20), at=110.0),
    ]
    [row] = binding_rates(history)
    assert (row.component, row.direction) == ("orders", "input")
    assert row.per_second == pytest.approx((33 - 11) / 10.0)
    # All 20 calls of the window took 1-2 ms: p50 is the middle of that bucket.
    assert row.p50_ms == pytest.approx(1.5)
    assert row.p95_ms == pytest.approx(1.95)
    assert row.errors_window == 2
    assert (row.errors_total, row.total) == (3, 33)
    assert not any(s.name.startswith("dapr_http") for s in history[0].samples)


def test_one_scrape_gives_totals_but_no_rate() -> None:
    [row] = binding_rates([parse(text(ok=4, failed=0, le1=4, le2=0), at=1.0)])
    assert (row.per_second, row.p50_ms, row.total) == (0.0, None, 4)


def test_the_window_is_the_last_ten_seconds() -> None:
    history = [Scrape(float(t), ()) for t in range(0, 31, 5)]
    old, new = window(history)
    assert (old.at, new.at) == (20.0, 30.0)


def test_a_sidecar_restart_inside_the_window_counts_from_zero() -> None:
    history = [
        parse(text(ok=100, failed=0, le1=100, le2=0), at=0.0),
        parse(text(ok=5, failed=0, le1=0, le2=5), at=10.0),
    ]
    [row] = binding_rates(history)
    assert row.per_second == pytest.approx(0.5)
    assert row.p50_ms == pytest.approx(1.5)


def test_not_prometheus_text_is_an_error() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (the parser's own message varies)
        parse("dapr_component_input_binding_count{oops 1\n", at=0.0)

"""components/resiliency: Resiliency files read as daprd reads them, every problem at file:line."""

from __future__ import annotations

import logging
from pathlib import Path
from textwrap import dedent

import pytest

from daprlite.components.resiliency import ResiliencyLoadError, load_resiliency
from daprlite.model.resiliency import BreakerSpec, PolicyNames, RetrySpec

# Shaped like the complete example of Dapr's resiliency docs.
DOCS_EXAMPLE = """\
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: myresiliency
scopes:
  - checkout
spec:
  policies:
    timeouts:
      general: 5s
      important: 60s
      largeResponse: 10s
    retries:
      pubsubRetry:
        policy: constant
        duration: 5s
        maxRetries: 10
      retryForever:
        policy: exponential
        maxInterval: 15s
        maxRetries: -1
      important:
        policy: constant
        duration: 5s
        maxRetries: 30
      someOperation:
        policy: exponential
        maxInterval: 15s
        matching:
          httpStatusCodes: 429,500-599
          gRPCStatusCodes: 1-4,8-11,13,14
    circuitBreakers:
      simpleCB:
        maxRequests: 1
        timeout: 30s
        trip: consecutiveFailures >= 5
      pubsubCB:
        maxRequests: 1
        interval: 8s
        timeout: 45s
        trip: consecutiveFailures > 8
  targets:
    apps:
      appB:
        timeout: general
        retry: important
        circuitBreaker: simpleCB
    actors:
      myActorType:
        timeout: general
        retry: important
        circuitBreaker: simpleCB
        circuitBreakerScope: both
        circuitBreakerCacheSize: 5000
    components:
      statestore1:
        outbound:
          timeout: general
          retry: retryForever
          circuitBreaker: simpleCB
      orders:
        outbound:
          retry: pubsubRetry
          circuitBreaker: pubsubCB
        inbound:
          timeout: general
          retry: important
          circuitBreaker: pubsubCB
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(dedent(text))
    return path


def test_the_docs_example_loads(tmp_path: Path) -> None:
    write(tmp_path, "resiliency.yaml", DOCS_EXAMPLE)
    policies = load_resiliency([tmp_path], "checkout")
    assert (policies.name, policies.namespace) == ("myresiliency", "")
    assert policies.timeouts == {"general": 5.0, "important": 60.0, "largeResponse": 10.0}
    assert policies.retries["pubsubRetry"] == RetrySpec(duration=5.0, max_retries=10)
    assert policies.retries["retryForever"] == RetrySpec(policy="exponential", max_interval=15.0)
    matching = policies.retries["someOperation"]
    assert matching.http_codes == ((429, 429), (500, 599))
    assert matching.grpc_codes == ((1, 4), (8, 11), (13, 13), (14, 14))
    assert policies.circuit_breakers["pubsubCB"] == BreakerSpec(
        1, 8.0, 45.0, "consecutiveFailures > 8"
    )
    orders = policies.components["orders"]
    assert orders.inbound == PolicyNames("general", "important", "pubsubCB")
    assert orders.outbound == PolicyNames("", "pubsubRetry", "pubsubCB")


def test_a_resource_scoped_to_other_apps_is_left_out(tmp_path: Path) -> None:
    write(tmp_path, "resiliency.yaml", DOCS_EXAMPLE)
    assert load_resiliency([tmp_path], "someone-else").components == {}
    assert load_resiliency([tmp_path], None).components  # validation: every resource


def test_every_problem_in_every_file_at_its_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        """\
        kind: Resiliency
        metadata:
          name: bad
        spec:
          policies:
            timeouts:
              t1: 5x
              t2: 5
              t3: -1s
            retries:
              r1:
                policy: linear
                maxRetries: "3"
                duration: soon
                matching:
                  httpStatusCodes: 500-
                  gRPCStatusCodes: "20"
            circuitBreakers:
              cb:
                maxRequests: -1
                trip: consecutiveFailures > "5"
        """,
    )
    write(
        tmp_path,
        "b.yaml",
        """\
        kind: Resiliency
        metadata:
          name: refs
        spec:
          policies:
            timeouts:
              ok: "1500"
          targets:
            components:
              orders:
                outbound:
                  timeout: ok
                  retry: missing
                inbound:
                  circuitBreaker: cb
        """,
    )
    with pytest.raises(ResiliencyLoadError) as caught:
        load_resiliency([tmp_path])
    found = [(p.file.name, p.line) for p in caught.value.problems]
    assert found == [
        ("a.yaml", 7),
        ("a.yaml", 8),
        ("a.yaml", 9),
        ("a.yaml", 12),
        ("a.yaml", 13),
        ("a.yaml", 14),
        ("a.yaml", 16),
        ("a.yaml", 17),
        ("a.yaml", 20),
        ("a.yaml", 21),
        ("b.yaml", 13),  # the breaker "cb" of a.yaml exists, though it is bad
    ]
    text = str(caught.value)
    assert "invalid resiliency policies (11 problems)" in text
    assert 'time: unknown unit "x" in duration "5x"' in text
    assert "unexpected back off policy type: linear" in text
    assert "invalid pattern 20, start code 20 is not valid" in text
    assert "retry policy 'missing' is not defined" in text


def test_a_bare_number_is_milliseconds(tmp_path: Path) -> None:
    write(
        tmp_path,
        "r.yaml",
        """\
        kind: Resiliency
        spec:
          policies:
            timeouts: {quick: "250"}
            retries: {r: {duration: "100", maxInterval: 2m}}
        """,
    )
    policies = load_resiliency([tmp_path])
    assert policies.timeouts["quick"] == 0.25
    assert (policies.retries["r"].duration, policies.retries["r"].max_interval) == (0.1, 120.0)


def test_later_files_override_policies_and_targets_and_name_the_metrics(tmp_path: Path) -> None:
    write(
        tmp_path,
        "1.yaml",
        """\
        kind: Resiliency
        metadata: {name: first, namespace: ns1}
        spec:
          policies:
            timeouts: {t: 1s, keep: 2s}
          targets:
            components:
              orders: {outbound: {timeout: t}, inbound: {timeout: keep}}
        """,
    )
    write(
        tmp_path,
        "2.yaml",
        """\
        kind: Resiliency
        metadata: {name: second}
        spec:
          policies:
            timeouts: {t: 9s}
          targets:
            components:
              orders: {outbound: {timeout: t}}
        """,
    )
    policies = load_resiliency([tmp_path])
    assert policies.timeouts == {"t": 9.0, "keep": 2.0}
    # The whole target is replaced, so the inbound timeout of 1.yaml is gone.
    assert policies.components["orders"].inbound == PolicyNames()
    assert [s.name for s in policies.sources] == ["first", "second"]
    assert (policies.name, policies.namespace) == ("second", "")


def test_only_the_first_document_of_a_file_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(
        tmp_path,
        "mixed.yaml",
        """\
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata: {name: orders}
        spec: {type: bindings.kafka, version: v1}
        ---
        kind: Resiliency
        spec:
          policies: {timeouts: {t: 1s}}
        """,
    )
    with caplog.at_level(logging.WARNING):
        policies = load_resiliency([tmp_path])
    assert policies.sources == ()
    assert "mixed.yaml:6: a Resiliency after the first document" in caplog.text


def test_keys_match_in_any_case_and_unknown_ones_are_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(
        tmp_path,
        "r.yaml",
        """\
        kind: Resiliency
        spec:
          Policies:
            retries:
              r: {maxretries: 2, Policy: Exponential, backoff: 3}
        """,
    )
    with caplog.at_level(logging.WARNING):
        policies = load_resiliency([tmp_path])
    assert policies.retries["r"] == RetrySpec(policy="exponential", max_retries=2)
    assert "r.yaml:5: policies.retries.r.backoff is not a field daprd reads" in caplog.text


def test_built_in_retries_can_be_named_and_overridden_within_limits(tmp_path: Path) -> None:
    write(
        tmp_path,
        "r.yaml",
        """\
        kind: Resiliency
        spec:
          policies:
            retries:
              DaprBuiltInServiceRetries: {duration: 2s, maxRetries: 1}
              DaprBuiltInActorNotFoundRetries: {maxRetries: 50}
          targets:
            components:
              orders: {outbound: {retry: DaprBuiltInActorRetries}}
        """,
    )
    policies = load_resiliency([tmp_path])
    assert policies.retries["DaprBuiltInServiceRetries"] == RetrySpec(duration=2.0, max_retries=3)
    assert policies.retries["DaprBuiltInActorNotFoundRetries"].max_retries == 5
    assert policies.components["orders"].outbound.retry == "DaprBuiltInActorRetries"


def test_no_resiliency_file_is_no_policy(tmp_path: Path) -> None:
    write(tmp_path, "orders.yaml", "kind: Component\nmetadata: {name: x}\n")
    (tmp_path / "notes.txt").write_text("kind: Resiliency\n")
    policies = load_resiliency([tmp_path])
    assert policies.sources == () and policies.components == {}

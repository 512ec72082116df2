"""The sidecar's metrics: daprd's binding, server and component-init series, and daprlite's
extras (lag, stalls, retries, give-ups, end-to-end delay), recorded through the Observer seam.

Names, help texts and label values are daprd 1.18's: `component` is the binding's name on the
binding series and its type (`bindings.kafka`) on the init series; `namespace` is $NAMESPACE,
usually empty standalone. `python -m bench.compare_metrics` checks them against a real daprd.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from daprlite.model.contracts import BindingEvent, EventHandler, InvokeRequest, ReportsLag
from daprlite.model.observer import GiveUp
from daprlite.model.resiliency import PolicyLabels
from daprlite.observability.exposition import LATENCY_MS, SIZE_BYTES, Store

log = logging.getLogger("daprlite.observability")

_BINDING = ("app_id", "component", "namespace", "success")
_OUTPUT = ("app_id", "component", "namespace", "operation", "success")
_HTTP = ("app_id", "method", "path", "status")
_GRPC = ("app_id", "grpc_server_method", "grpc_server_status")
_OURS = ("app_id", "component")
_STREAM = ("app_id", "component", "topic", "partition")
_POLICY = ("app_id", "flow_direction", "name", "namespace", "policy", "status", "target")
# daprd writes every breaker state on each call: 1 for the state it is in, 0 for the others.
_BREAKER_STATES = ("closed", "half-open", "open", "unknown")


class Metrics:
    """One sidecar's series. Implements model.observer.Observer."""

    def __init__(self, app_id: str, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.app_id, self.namespace = app_id, env.get("NAMESPACE", "")
        self.store = s = Store()
        self.input_count = s.counter(
            "dapr_component_input_binding_count",
            "The number of incoming events arriving from the input binding component.",
            _BINDING,
        )
        self.input_latency = s.histogram(
            "dapr_component_input_binding_latencies",
            "The triggered app event processing latency.",
            _BINDING,
            LATENCY_MS,
        )
        self.output_count = s.counter(
            "dapr_component_output_binding_count",
            "The number of operations invoked on the output binding component.",
            _OUTPUT,
        )
        self.output_latency = s.histogram(
            "dapr_component_output_binding_latencies",
            "The latency of the response from the output binding component.",
            _OUTPUT,
            LATENCY_MS,
        )
        self.loaded = s.counter(
            "dapr_runtime_component_loaded",
            "The number of successfully loaded components.",
            ("app_id",),
        )
        self.init_total = s.counter(
            "dapr_runtime_component_init_total",
            "The number of initialized components.",
            ("app_id", "component"),
        )
        self.init_fail = s.counter(
            "dapr_runtime_component_init_fail_total",
            "The number of component initialization failures.",
            ("app_id", "component", "reason", "componentName"),
        )
        self.http_count = s.counter(
            "dapr_http_server_request_count",
            "Count of HTTP requests processed by the server.",
            _HTTP,
        )
        # daprd writes this one only with increasedCardinality, its default (and daprlite's way).
        self.http_response_count = s.counter(
            "dapr_http_server_response_count", "The number of HTTP responses", _HTTP
        )
        self.http_latency = s.histogram(
            "dapr_http_server_latency",
            "HTTP request end-to-end latency in server.",
            _HTTP,
            LATENCY_MS,
        )
        self.http_request_bytes = s.histogram(
            "dapr_http_server_request_bytes",
            "HTTP request body size if set as ContentLength (uncompressed) in server.",
            ("app_id",),
            SIZE_BYTES,
        )
        self.http_response_bytes = s.histogram(
            "dapr_http_server_response_bytes",
            "HTTP response body size (uncompressed) in server.",
            ("app_id",),
            SIZE_BYTES,
        )
        self.grpc_count = s.counter(
            "dapr_grpc_io_server_completed_rpcs",
            # daprd's help text for this counter, a slip of its own, kept to match its scrape.
            "Distribution of bytes sent per RPC, by method.",
            _GRPC,
        )
        self.grpc_latency = s.histogram(
            "dapr_grpc_io_server_server_latency",
            "Time between first byte of request received to last byte of response sent, "
            "or terminal error.",
            _GRPC,
            LATENCY_MS,
        )
        self.grpc_received = s.histogram(
            "dapr_grpc_io_server_received_bytes_per_rpc",
            "Total bytes received across all messages per RPC.",
            ("app_id", "grpc_server_method"),
            SIZE_BYTES,
        )
        self.grpc_sent = s.histogram(
            "dapr_grpc_io_server_sent_bytes_per_rpc",
            "Total bytes sent in across all response messages per RPC.",
            ("app_id", "grpc_server_method"),
            SIZE_BYTES,
        )
        # daprlite's own series: Dapr has nothing for these (its Kafka binding only logs).
        self.retries = s.counter(
            "daprlite_input_binding_retries_total",
            "Failed input deliveries that will be tried again.",
            _OURS,
        )
        self.given_up = s.counter(
            "daprlite_input_binding_given_up_total",
            "Input messages given up on after their retries: dead_lettered or skipped.",
            (*_OURS, "outcome"),
        )
        self.stalled = s.gauge(
            "daprlite_input_binding_stalled_streams",
            "Ordered streams (Kafka partitions) held up by a message that keeps failing.",
            _OURS,
        )
        self.end_to_end = s.histogram(
            "daprlite_input_binding_end_to_end_latencies",
            "From the record's timestamp to the app's 2xx, in ms.",
            _OURS,
            LATENCY_MS,
        )
        self.lag = s.gauge(
            "daprlite_input_binding_partition_lag",
            "Messages at the source not yet handled, per partition.",
            _STREAM,
        )
        self.partition_stalled = s.gauge(
            "daprlite_input_binding_partition_stalled",
            "1 while a message keeps failing and holds the partition up.",
            _STREAM,
        )
        self._lag_sources: dict[str, ReportsLag] = {}
        s.collectors.append(self._collect_lag)
        self._resiliency_series(s)

    # --- resiliency (model.resiliency.PolicyRecorder) ----------------------------------------

    def _resiliency_series(self, s: Store) -> None:
        self.resiliency_loaded_count = s.counter(
            "dapr_resiliency_loaded",
            "Number of resiliency policies loaded.",
            ("app_id", "name", "namespace"),
        )
        self.resiliency_count = s.counter(
            "dapr_resiliency_count",
            "Number of times a resiliency policyKey has been applied to a building block.",
            _POLICY,
        )
        self.resiliency_activations = s.counter(
            "dapr_resiliency_activations_total",
            "Number of times a resiliency policyKey has been activated in a building block "
            "after a failure or after a state change.",
            _POLICY,
        )
        self.resiliency_cb_state = s.gauge(
            "dapr_resiliency_cb_state",
            "A resiliency policy's current CircuitBreakerState state. 0 is closed, 1 is "
            "half-open, 2 is open, and -1 is unknown.",
            _POLICY,
        )

    def resiliency_loaded(self, name: str, namespace: str) -> None:
        self.resiliency_loaded_count.inc((self.app_id, name, namespace))

    def resiliency_executed(self, labels: PolicyLabels, status: str) -> None:
        self.resiliency_count.inc(self._policy_labels(labels, status))
        if labels.policy == "circuitbreaker":
            for state in _BREAKER_STATES:
                value = 1.0 if state == status else 0.0
                self.resiliency_cb_state.set(self._policy_labels(labels, state), value)

    def resiliency_activated(self, labels: PolicyLabels, status: str) -> None:
        self.resiliency_activations.inc(self._policy_labels(labels, status))

    def _policy_labels(self, labels: PolicyLabels, status: str) -> tuple[str, ...]:
        return (
            self.app_id,
            labels.direction,
            labels.name,
            labels.namespace,
            labels.policy,
            status,
            labels.target,
        )

    # --- Observer ------------------------------------------------------------------------

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        labels = (self.app_id, binding, self.namespace, request.operation, _success(error))
        self.output_count.inc(labels)
        self.output_latency.observe(labels, seconds * 1000.0)

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        # daprd counts each call to the app, so a retried message counts once per attempt.
        labels = (self.app_id, binding, self.namespace, _success(error))
        self.input_count.inc(labels)
        self.input_latency.observe(labels, seconds * 1000.0)

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        self.retries.inc((self.app_id, binding))

    def input_stalled(self, binding: str, stalled: bool) -> None:
        self.stalled.inc((self.app_id, binding), 1.0 if stalled else -1.0)

    def input_gave_up(self, binding: str, outcome: GiveUp) -> None:
        self.given_up.inc((self.app_id, binding, outcome))

    # --- beyond the observer ---------------------------------------------------------------

    def component_initialized(self, component_type: str) -> None:
        """One part of a component initialised (each direction of a binding counts)."""
        self.init_total.inc((self.app_id, component_type))

    def component_loaded(self) -> None:
        """A component is loaded: every part of it initialised."""
        self.loaded.inc((self.app_id,))

    def component_init_failed(self, component_type: str, name: str, reason: str) -> None:
        """`reason`: "creation" (no instance could be made) or "init" (its init failed)."""
        self.init_fail.inc((self.app_id, component_type, reason, name))

    def watch_input(self, name: str, binding: Any) -> None:
        """Pre-register the binding's series at zero, and read its lag at each scrape."""
        # Beyond daprd (which shows a series only once recorded): a dashboard can tell "no
        # retries" from "no data".
        self.retries.inc((self.app_id, name), 0.0)
        self.stalled.inc((self.app_id, name), 0.0)
        for outcome in ("dead_lettered", "skipped"):
            self.given_up.inc((self.app_id, name, outcome), 0.0)
        if isinstance(binding, ReportsLag):
            self._lag_sources[name] = binding

    def timed_handler(self, binding: str, handler: EventHandler) -> EventHandler:
        """`handler`, also recording record timestamp -> app 2xx when the event carries one."""
        observe, labels = self.end_to_end.observe, (self.app_id, binding)

        async def deliver(event: BindingEvent) -> None:
            await handler(event)
            stamp = event.metadata.get("__timestamp")
            if stamp:
                try:  # noqa: SIM105 (a plain try costs less per message than suppress())
                    observe(labels, max(time.time() * 1000.0 - float(stamp), 0.0))
                except ValueError:
                    pass  # not a number: nothing to measure

        return deliver

    def _collect_lag(self) -> None:
        self.lag.values.clear()
        self.partition_stalled.values.clear()
        for name, source in self._lag_sources.items():
            try:
                streams = source.lag()
            except Exception:  # a scrape must not fail because one binding could not answer
                log.exception("input binding %s could not report its lag", name)
                continue
            for stream in streams:
                labels = (self.app_id, name, stream.topic, stream.partition)
                if stream.lag is not None:
                    self.lag.set(labels, float(stream.lag))
                self.partition_stalled.set(labels, 1.0 if stream.stalled else 0.0)

    def render(self) -> str:
        return self.store.render()


def _success(error: str | None) -> str:
    return "true" if error is None else "false"

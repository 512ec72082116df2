"""Which policies apply to a binding, in daprd's order: the component's own target if it has one,
else the Default* policies; and the one circuit breaker each component has.

A binding with no policy gets no runner at all, so the call path is the same as without any
Resiliency resource. daprd keeps one breaker per component name, made from the first template
asked for: a component whose inbound and outbound name different breakers shares the first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from daprlite.model.resiliency import (
    NO_POLICIES,
    NO_RECORDER,
    BreakerSpec,
    Direction,
    PolicyKind,
    PolicyLabels,
    PolicyNames,
    PolicyRecorder,
    ResiliencyPolicies,
)
from daprlite.resiliency.breaker import Breaker
from daprlite.resiliency.runner import Clocks, PolicyRunner

log = logging.getLogger("daprlite.resiliency")

_COMPONENT_TYPE = "Binding"  # daprd's ComponentType for bindings


class Resiliency:
    def __init__(
        self,
        policies: ResiliencyPolicies = NO_POLICIES,
        recorder: PolicyRecorder = NO_RECORDER,
        clocks: Clocks = Clocks(),
    ) -> None:
        self.policies, self._recorder, self._clocks = policies, recorder, clocks
        # False without any Resiliency resource: callers skip the lookup altogether.
        self.active = bool(policies.sources or policies.components)
        self._breakers: dict[str, Breaker] = {}
        self._runners: dict[tuple[str, Direction], PolicyRunner | None] = {}
        for source in policies.sources:
            recorder.resiliency_loaded(source.name, source.namespace)

    def outbound(self, component: str) -> PolicyRunner | None:
        """The runner for output invokes of `component`, or None when no policy applies."""
        return self._runner(component, "outbound")

    def inbound(self, component: str) -> PolicyRunner | None:
        """The runner for deliveries of `component`'s events to the app, or None."""
        return self._runner(component, "inbound")

    def _runner(self, component: str, direction: Direction) -> PolicyRunner | None:
        if not self.active:
            return None
        key = (component, direction)
        if key not in self._runners:
            self._runners[key] = self._make(component, direction)
        return self._runners[key]

    def _make(self, component: str, direction: Direction) -> PolicyRunner | None:
        names = self._names(component, direction)
        policies = self.policies
        timeout = policies.timeouts.get(names.timeout, 0.0) if names.timeout else 0.0
        retry = policies.retries.get(names.retry) if names.retry else None
        template = policies.circuit_breakers.get(names.circuit_breaker)
        if timeout <= 0 and retry is None and template is None:
            return None
        log.debug("resiliency for %s %s: %s", direction, component, names)
        target = f"{_COMPONENT_TYPE}_{component}"

        def labels(kind: str) -> PolicyLabels:
            policy: PolicyKind = kind  # type: ignore[assignment]
            return PolicyLabels(policies.name, policies.namespace, policy, direction, target)

        breaker = None
        if template is not None:
            spec, policy_name = template, names.circuit_breaker

            def breaker() -> Breaker:
                return self._breaker(component, policy_name, spec)

        word = "output" if direction == "outbound" else "input"
        return PolicyRunner(
            f"component[{component}] {word}",
            labels,
            timeout=timeout,
            retry=retry,
            breaker=breaker,
            recorder=self._recorder,
            clocks=self._clocks,
        )

    def _names(self, component: str, direction: Direction) -> PolicyNames:
        target = self.policies.components.get(component)
        if target is not None:
            return target.inbound if direction == "inbound" else target.outbound
        # daprd's default policies, most specific first: DefaultBindingComponentOutboundRetryPolicy,
        # DefaultComponentOutboundRetryPolicy, DefaultComponentRetryPolicy, DefaultRetryPolicy.
        way = direction.capitalize()
        levels = (f"{_COMPONENT_TYPE}Component{way}", f"Component{way}", "Component", "")
        policies = self.policies
        return PolicyNames(
            timeout=_first(policies.timeouts, "Timeout", levels),
            retry=_first(policies.retries, "Retry", levels),
            circuit_breaker=_first(policies.circuit_breakers, "CircuitBreaker", levels),
        )

    def _breaker(self, component: str, policy_name: str, spec: BreakerSpec) -> Breaker:
        breaker = self._breakers.get(component)
        if breaker is None:
            breaker = Breaker(f"{policy_name}-{component}", spec, self._clocks.now)
            self._breakers[component] = breaker
        return breaker


def _first(defined: Mapping[str, object], kind: str, levels: tuple[str, ...]) -> str:
    for level in levels:
        name = f"Default{level}{kind}Policy"
        if name in defined:
            return name
    return ""

"""Dapr `Resiliency` policies as values: timeouts, retries and circuit breakers, the bindings
they target, and the recorder the policy runner reports to (daprd's dapr_resiliency_* series).

The loader (components/resiliency.py) makes these; the runner (daprlite/resiliency/) applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

Direction = Literal["inbound", "outbound"]
PolicyKind = Literal["timeout", "retry", "circuitbreaker"]
# A range of status codes a retry is limited to, both ends included.
CodeRange = tuple[int, int]


@dataclass(frozen=True, slots=True)
class RetrySpec:
    """dapr/kit's retry.Config. The defaults are retry.DefaultConfig's; a Resiliency file sets
    only policy, duration, maxInterval and maxRetries (the rest is there for the built-ins)."""

    policy: Literal["constant", "exponential"] = "constant"
    duration: float = 5.0
    initial_interval: float = 0.5
    randomization_factor: float = 0.5
    multiplier: float = 1.5
    max_interval: float = 60.0
    max_elapsed_time: float = 15 * 60.0
    max_retries: int = -1  # below 0: no limit
    # `matching`: None retries every code; a tuple retries only the codes in its ranges.
    http_codes: tuple[CodeRange, ...] | None = None
    grpc_codes: tuple[CodeRange, ...] | None = None


@dataclass(frozen=True, slots=True)
class BreakerSpec:
    """A circuit breaker template (gobreaker's settings); `trip` is the expression's text, "" for
    gobreaker's own rule (consecutiveFailures > 5)."""

    max_requests: int = 0  # 0: one request while half-open
    interval: float = 0.0  # 0: counts are never cleared while closed
    timeout: float = 0.0  # 0: 60 s open before half-open
    trip: str = ""


@dataclass(frozen=True, slots=True)
class PolicyNames:
    """The policies one direction of a target names; "" when it names none."""

    timeout: str = ""
    retry: str = ""
    circuit_breaker: str = ""


@dataclass(frozen=True, slots=True)
class ComponentTarget:
    inbound: PolicyNames = PolicyNames()
    outbound: PolicyNames = PolicyNames()


@dataclass(frozen=True, slots=True)
class ResiliencySource:
    """One loaded `kind: Resiliency` resource: where it is, for logs and metrics."""

    name: str
    namespace: str
    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class ResiliencyPolicies:
    """Every loaded resource merged as daprd merges them: a later policy or target of the same
    name replaces the earlier one. `name`/`namespace` are the last resource's, the labels
    daprd puts on every policy's metrics."""

    sources: tuple[ResiliencySource, ...] = ()
    timeouts: dict[str, float] = field(default_factory=dict)
    retries: dict[str, RetrySpec] = field(default_factory=dict)
    circuit_breakers: dict[str, BreakerSpec] = field(default_factory=dict)
    components: dict[str, ComponentTarget] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.sources[-1].name if self.sources else ""

    @property
    def namespace(self) -> str:
        return self.sources[-1].namespace if self.sources else ""


NO_POLICIES = ResiliencyPolicies()


@dataclass(frozen=True, slots=True)
class PolicyLabels:
    """What daprd's resiliency series name besides the app id and the status."""

    name: str  # the Resiliency resource's (the last one loaded: see ResiliencyPolicies)
    namespace: str
    policy: PolicyKind
    direction: Direction
    target: str  # Binding_<component name>


class PolicyRecorder(Protocol):
    """Where the runner reports what daprd's resiliency metrics count; metrics implement it."""

    def resiliency_loaded(self, name: str, namespace: str) -> None:
        """A Resiliency resource was loaded."""

    def resiliency_executed(self, labels: PolicyLabels, status: str) -> None:
        """A call ran under a policy (`status`: a breaker's state then, else "")."""

    def resiliency_activated(self, labels: PolicyLabels, status: str) -> None:
        """A policy acted: a timeout fired, a retry began, a breaker changed to `status`."""


class NoRecorder:
    def resiliency_loaded(self, name: str, namespace: str) -> None:
        pass

    def resiliency_executed(self, labels: PolicyLabels, status: str) -> None:
        pass

    def resiliency_activated(self, labels: PolicyLabels, status: str) -> None:
        pass


NO_RECORDER: PolicyRecorder = NoRecorder()

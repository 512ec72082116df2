"""The observer seam: what the sidecar tells metrics and tracing about each call and delivery.

Both paths report here and nowhere else: an output invoke from api/core, an input delivery
(each attempt) and its retries, stalls and give-ups from bindings/delivery. `NO_OBSERVER` is the
default and costs one method call per event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # contracts imports this module (InputBinding.start takes an Observer)
    from daprlite.model.contracts import BindingEvent, InvokeRequest

# What became of an input message that kept failing: parked on a dead-letter topic, or dropped.
GiveUp = Literal["dead_lettered", "skipped"]


class Observer(Protocol):
    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        """One output binding call finished; `error` is None when it succeeded."""

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        """One delivery attempt of `event` to the app (1 for the first try)."""

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        """Attempt `attempt` failed; the next one starts after `delay` seconds."""

    def input_stalled(self, binding: str, stalled: bool) -> None:
        """A message began (True) or stopped (False) holding up its stream with failures."""

    def input_gave_up(self, binding: str, outcome: GiveUp) -> None:
        """A message was given up on after its retries, as `outcome` says."""


class NoObserver:
    """Observes nothing: the default when metrics and tracing are off."""

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        pass

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        pass

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        pass

    def input_stalled(self, binding: str, stalled: bool) -> None:
        pass

    def input_gave_up(self, binding: str, outcome: GiveUp) -> None:
        pass


NO_OBSERVER: Observer = NoObserver()

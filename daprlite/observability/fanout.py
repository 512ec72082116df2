"""Several observers behind the one the sidecar holds (metrics beside tracing)."""

from __future__ import annotations

from daprlite.model.contracts import BindingEvent, InvokeRequest
from daprlite.model.observer import NO_OBSERVER, GiveUp, Observer


def combine(*observers: Observer) -> Observer:
    """One observer telling each of `observers`; a single real one is returned as it is."""
    real = [o for o in observers if o is not NO_OBSERVER]
    if not real:
        return NO_OBSERVER
    return real[0] if len(real) == 1 else FanOut(real)


class FanOut:
    def __init__(self, observers: list[Observer]) -> None:
        self._observers = tuple(observers)

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        for o in self._observers:
            o.output_invoked(binding, request, seconds, error)

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        for o in self._observers:
            o.input_delivered(binding, event, attempt, seconds, error)

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        for o in self._observers:
            o.input_retry(binding, attempt, delay)

    def input_stalled(self, binding: str, stalled: bool) -> None:
        for o in self._observers:
            o.input_stalled(binding, stalled)

    def input_gave_up(self, binding: str, outcome: GiveUp) -> None:
        for o in self._observers:
            o.input_gave_up(binding, outcome)

"""Several observers behind the one the sidecar holds (metrics beside tracing)."""

from __future__ import annotations

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
        self, binding: str, operation: str, seconds: float, error: str | None
    ) -> None:
        for o in self._observers:
            o.output_invoked(binding, operation, seconds, error)

    def input_delivered(
        self, binding: str, attempt: int, seconds: float, error: str | None
    ) -> None:
        for o in self._observers:
            o.input_delivered(binding, attempt, seconds, error)

    def input_retry(self, binding: str, attempt: int, delay: float) -> None:
        for o in self._observers:
            o.input_retry(binding, attempt, delay)

    def input_stalled(self, binding: str, stalled: bool) -> None:
        for o in self._observers:
            o.input_stalled(binding, stalled)

    def input_gave_up(self, binding: str, outcome: GiveUp) -> None:
        for o in self._observers:
            o.input_gave_up(binding, outcome)

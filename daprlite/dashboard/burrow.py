"""Burrow's partition status (linkedin/Burrow's evaluator) over a sliding window of samples of
a consumer's position and lag: OK, WARN, STALL, STOP or REWIND. Pure, and table-tested.

Burrow evaluates committed offsets; here a sample is each time the sidecar reported the
partition (once a poll), so "no commit" becomes "no report": a sidecar that stopped answering,
or a partition no longer assigned to it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

WINDOW = 10  # Burrow's default number of offsets kept per partition


class Status(StrEnum):
    OK = "OK"
    WARN = "WARN"
    STALL = "STALL"
    STOP = "STOP"
    REWIND = "REWIND"


@dataclass(frozen=True, slots=True)
class Offset:
    at: float  # seconds
    position: int  # the next offset not yet done with (what is or will be committed)
    lag: int


def evaluate(offsets: Sequence[Offset], now: float) -> Status:
    """Burrow's rules, in its order. With lag 0 now, or fewer than two samples, OK.

    1. STOP: lag > 0 and the time since the last sample exceeds the window's span.
    2. OK: the lag was 0 at some sample in the window.
    3. REWIND: the position went backwards between two samples.
    4. STALL: the position never moved across the window while lag > 0.
    5. WARN: the position moves but the lag never decreased between two samples.
    """
    if len(offsets) < 2 or offsets[-1].lag <= 0:
        return Status.OK
    first, last = offsets[0], offsets[-1]
    if now - last.at > last.at - first.at:
        return Status.STOP
    if any(o.lag == 0 for o in offsets):
        return Status.OK
    pairs = list(pairwise(offsets))
    if any(b.position < a.position for a, b in pairs):
        return Status.REWIND
    if all(b.position == a.position for a, b in pairs):
        return Status.STALL
    if all(b.lag >= a.lag for a, b in pairs):
        return Status.WARN
    return Status.OK


class Window:
    """The last WINDOW samples of one partition."""

    def __init__(self, size: int = WINDOW) -> None:
        self.offsets: deque[Offset] = deque(maxlen=size)

    def record(self, at: float, position: int, lag: int) -> None:
        self.offsets.append(Offset(at, position, lag))

    def status(self, now: float) -> Status:
        return evaluate(list(self.offsets), now)

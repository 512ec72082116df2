"""Burrow's partition status rules, one table row per rule and its edges."""

from __future__ import annotations

import pytest

from daprlite.dashboard.burrow import Offset, Status, Window, evaluate


def window(*samples: tuple[int, int], start: float = 100.0) -> list[Offset]:
    """(position, lag) pairs, one a second from `start`."""
    return [Offset(start + i, position, lag) for i, (position, lag) in enumerate(samples)]


CASES = [
    ("lag 0 now", window((5, 3), (6, 0)), 102.0, Status.OK),
    ("one sample only", window((5, 3)), 150.0, Status.OK),
    ("caught up once in the window", window((5, 1), (6, 0), (6, 2), (7, 3)), 104.0, Status.OK),
    ("moving and lag falling", window((1, 9), (4, 7), (8, 5)), 103.0, Status.OK),
    ("moving, lag never falls", window((1, 3), (4, 3), (8, 4)), 103.0, Status.WARN),
    ("position fixed, lag > 0", window((7, 2), (7, 3), (7, 3)), 103.0, Status.STALL),
    ("position went back", window((9, 1), (4, 6), (5, 5)), 103.0, Status.REWIND),
    # Reported from 100 to 102 (a 2 s span), nothing since 102: stopped once more than 2 s pass.
    ("no report for longer than the span", window((1, 3), (2, 4), (3, 5)), 104.5, Status.STOP),
    ("no report, but exactly the span", window((1, 3), (2, 4), (3, 5)), 104.0, Status.WARN),
    # STOP comes first: even a window that caught up once is stopped if reports ended.
    ("stopped after catching up", window((1, 0), (2, 1), (2, 4)), 110.0, Status.STOP),
    # REWIND is checked before STALL and WARN.
    ("rewind then fixed", window((9, 1), (4, 6), (4, 6)), 103.0, Status.REWIND),
]


@pytest.mark.parametrize(("offsets", "now", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_burrow_rules(offsets: list[Offset], now: float, expected: Status) -> None:
    assert evaluate(offsets, now) is expected


def test_window_keeps_the_last_ten_samples() -> None:
    w = Window()
    for second in range(15):
        w.record(float(second), 7, 3)  # never moves
    assert len(w.offsets) == 10
    assert w.offsets[0].at == 5.0
    assert w.status(14.5) is Status.STALL
    w.record(15.0, 20, 0)
    assert w.status(15.5) is Status.OK

"""resiliency/trip: the trip conditions daprd's breakers evaluate, pinned to cel-go v0.20.1's
answers (each row was run through cel-go with daprd's declarations: every count a `dyn`)."""

from __future__ import annotations

import pytest

from daprlite.resiliency.trip import TripError, compile_trip

# requests, totalSuccesses, totalFailures, consecutiveSuccesses, consecutiveFailures
NAMES = (
    "requests",
    "totalSuccesses",
    "totalFailures",
    "consecutiveSuccesses",
    "consecutiveFailures",
)
MANY = dict(zip(NAMES, (10, 4, 6, 0, 5), strict=True))
NONE = dict.fromkeys(NAMES, 0)

# (counts, expression, what cel-go gave: True/False, or "error" for an evaluation error)
CEL_GO = [
    ({**MANY, "consecutiveFailures": 6}, "consecutiveFailures > 5", True),
    (MANY, "consecutiveFailures > 5", False),
    (MANY, "consecutiveFailures >= 5", True),
    (MANY, "requests > 0 && totalFailures / requests > 0.5", False),  # int division: 0
    (NONE, "totalFailures / requests > 0", "error"),  # division by zero
    (NONE, "requests > 0 && totalFailures / requests > 0", False),
    (NONE, "totalFailures / requests > 0 || true", True),
    (NONE, "true || totalFailures / requests > 0", True),
    (NONE, "false && totalFailures / requests > 0", False),
    (NONE, "totalFailures / requests > 0 && false", False),
    (MANY, "totalFailures * 2 > requests", True),
    (MANY, "totalFailures == 6.0", True),
    (MANY, "totalFailures > 5.5", True),
    (MANY, "consecutiveFailures > 3 ? true : false", True),
    (MANY, "!(consecutiveFailures > 3)", False),
    (MANY, "-consecutiveFailures < 0", True),
    (MANY, "totalFailures % 4 == 2", True),
    (MANY, "9223372036854775807 + consecutiveFailures > 0", "error"),  # overflow
    (MANY, "consecutiveFailures == true", False),
    (MANY, "requests != 0", True),
    (MANY, "consecutiveFailures >= 0x5", True),
    (MANY, "consecutiveFailures >= 5e0", True),
    (MANY, "!consecutiveFailures", "error"),
    (MANY, "-9223372036854775808 < consecutiveFailures", True),
    (MANY, "(consecutiveFailures)>=5&&requests>1", True),
    (MANY, "consecutiveFailures > 5 == false", True),
]


@pytest.mark.parametrize(("counts", "text", "cel_go"), CEL_GO, ids=[row[1] for row in CEL_GO])
def test_trip_answers_as_cel_go(counts: dict[str, int], text: str, cel_go: object) -> None:
    # An evaluation error never trips the breaker (daprd's tripFn returns false).
    assert compile_trip(text)(counts) is (cel_go is True)


# cel-go refuses these when it compiles them, so daprd refuses the Resiliency.
CEL_GO_COMPILE_ERRORS = [
    "totalFailures + 0.5 > 1",  # dyn + double is a double; double > int has no overload
    "1 + 1.0 > 1",
    "consecutiveFailures > 5 > 2",
    "consecutiveFailures >",
    "1 == 1.0",
    "totalFailures / 4.0 > 1",
]


@pytest.mark.parametrize("text", CEL_GO_COMPILE_ERRORS)
def test_what_cel_go_refuses_is_refused(text: str) -> None:
    with pytest.raises(TripError):
        compile_trip(text)


# Valid CEL outside the supported part, and what daprd takes but can never trip on.
REFUSED = {
    '"a" == "a"': "not supported",
    'size("ab") > 1': "not supported",
    "consecutiveFailures in [1,5]": "not supported",
    "consecutiveFailures > 5u": "unsigned",
    "foo > 3": "unknown name 'foo'",
    "consecutiveFailures": "not a condition",
    "consecutiveFailures + 1": "not a condition",
    "consecutiveFailures >= 5 || foo": "unknown name",
    "9223372036854775808 > consecutiveFailures": "out of the int range",
}


@pytest.mark.parametrize(("text", "reason"), REFUSED.items())
def test_unsupported_expressions_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(TripError, match=reason):
        compile_trip(text)


def test_the_column_of_the_problem_is_named() -> None:
    with pytest.raises(TripError, match="at column 23"):
        compile_trip('consecutiveFailures > "5"')


def test_a_condition_over_several_lines_is_read() -> None:
    trip = compile_trip("consecutiveFailures > 2\n  && requests > 3\n")
    assert trip(MANY) is True
    assert trip({**MANY, "requests": 1}) is False

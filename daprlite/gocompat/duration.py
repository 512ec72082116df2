"""Go's `time.ParseDuration`, the grammar of every duration in a Dapr component.

Go counts in whole nanoseconds held in an int64, so this does too: a fraction finer than a
nanosecond is cut off (`1.5ns` is 1ns), and a total past int64 is refused, not rounded.
Nothing is trimmed: Go refuses ` 1s` and `1s `.
"""

from __future__ import annotations

import re

_UNIT_NANOS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_LIMIT = 1 << 63  # Go sums magnitudes in a uint64, allowing at most -(int64 minimum)
# One part: digits, an optional fraction, then the unit, which is everything up to the next
# digit or dot (so `1s ` has the unknown unit "s ").
_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^.0-9]*)")


class DurationError(ValueError):
    """A refused duration; `go_text` is the error exactly as Go's time.ParseDuration words it."""

    def __init__(self, text: str, reason: str, go_text: str) -> None:
        super().__init__(f"invalid duration {text!r}: {reason}")
        self.go_text = go_text


def parse_duration(text: str) -> float:
    """`1h2m3.5s`, `100ms`, `-5s`, `0` as float seconds; ValueError where Go returns an error."""
    return parse_duration_nanos(text) / 1_000_000_000


def parse_duration_nanos(text: str) -> int:
    """The duration in whole nanoseconds, as Go's time.Duration holds it; DurationError where
    Go returns an error."""
    body, negative = text, text.startswith("-")
    if body.startswith(("-", "+")):  # one sign at most
        body = body[1:]
    if body == "0":  # the one number Go takes without a unit
        return 0
    if not body:
        raise _invalid(text, "no number")
    total, pos = 0, 0
    while pos < len(body):
        part = _PART.match(body, pos)
        assert part is not None  # every group may be empty, so the pattern always matches
        whole, fraction, unit = part.group(1), part.group(2) or "", part.group(3)
        if not whole and not fraction:
            raise _invalid(text, "no number")
        value = int(whole or "0")
        if value > _LIMIT:  # Go's leadingInt gives up before it looks at the unit
            raise _invalid(text, "out of range")
        if not unit:
            raise _invalid(text, "missing unit")
        if unit not in _UNIT_NANOS:
            raise _invalid(text, f"unknown unit {unit!r}", unit)
        scale = _UNIT_NANOS[unit]
        if value > _LIMIT // scale:
            raise _invalid(text, "out of range")
        value *= scale
        digits, divisor = _leading_fraction(fraction)
        # Go's float64 step, truncated to whole nanoseconds.
        value += int(float(digits) * (float(scale) / divisor))
        total += value
        if total > _LIMIT:
            raise _invalid(text, "out of range")
        pos = part.end()
    if negative:
        return -total
    if total > _LIMIT - 1:
        raise _invalid(text, "out of range")
    return total


def _leading_fraction(digits: str) -> tuple[int, float]:
    """Go's leadingFraction: the fraction's digits as an integer and its divisor (10**count).

    Digits past what a uint64 holds are dropped rather than refused.
    """
    value, divisor = 0, 1.0
    for digit in digits:
        if value > (_LIMIT - 1) // 10 or value * 10 + int(digit) > _LIMIT:
            break
        value, divisor = value * 10 + int(digit), divisor * 10
    return value, divisor


def _invalid(text: str, reason: str, unit: str | None = None) -> DurationError:
    if reason == "missing unit":
        go_text = f"time: missing unit in duration {_quote(text)}"
    elif unit is not None:
        go_text = f"time: unknown unit {_quote(unit)} in duration {_quote(text)}"
    else:
        go_text = f"time: invalid duration {_quote(text)}"
    return DurationError(text, reason, go_text)


def _quote(text: str) -> str:
    """The time package's own quoting (not strconv.Quote): each byte of a non-ASCII or control
    character as \\xNN, and a backslash before `"` and `\\`."""
    out = ['"']
    for char in text:
        if ord(char) >= 0x80 or char < " ":
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            out.append("\\" + char if char in '"\\' else char)
    out.append('"')
    return "".join(out)


# Units of Duration.String() below one second, largest first, with Go's spelling (U+00B5).
_SMALL_UNITS = ((1_000_000, "ms"), (1_000, "\u00b5s"), (1, "ns"))


def format_duration(nanoseconds: int) -> str:
    """Go's `time.Duration.String()`: `0s`, `294µs`, `1.5ms`, `2.01s`, `1h2m3.5s`, `-1ns`.

    `nanoseconds` must fit an int64, as a Go Duration does.
    """
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    magnitude = abs(nanoseconds)
    if magnitude < 1_000_000_000:
        # Below a second Go picks the largest unit that keeps a non-zero whole part.
        for scale, unit in _SMALL_UNITS:
            if magnitude >= scale:
                return sign + _with_fraction(magnitude, scale) + unit
    seconds_part = _with_fraction(magnitude % 60_000_000_000, 1_000_000_000) + "s"
    minutes_total = magnitude // 60_000_000_000
    if minutes_total == 0:
        return sign + seconds_part
    hours, minutes = divmod(minutes_total, 60)
    text = f"{minutes}m{seconds_part}"
    return sign + (f"{hours}h{text}" if hours else text)


def _with_fraction(value: int, scale: int) -> str:
    """`value / scale` in decimal with the fraction's trailing zeros (and a bare dot) dropped."""
    whole, fraction = divmod(value, scale)
    if not fraction:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}.{fraction:0{digits}d}".rstrip("0")

"""Go's float64 text: what `json.Marshal` (and so every daprd JSON document) writes for a number."""

from __future__ import annotations

import math
import struct
from decimal import Decimal


def format_float(f: float) -> str:
    """Go's float64 encoding: shortest round-trip digits, exponent form only when tiny or huge."""
    special = _special(f)
    if special is not None:
        return special
    magnitude = abs(f)
    if magnitude < 2**53 and f.is_integer():
        return str(int(f))  # exact, and no shorter digit string names the same float
    # repr() gives the shortest digits that round-trip, as Go's strconv does with precision -1.
    return _go_text(Decimal(repr(f)).normalize(), 1e-6 <= magnitude < 1e21)


_F32_SMALL = struct.unpack(">f", struct.pack(">f", 1e-6))[0]
_F32_LARGE = struct.unpack(">f", struct.pack(">f", 1e21))[0]


def format_float32(f: float) -> str:
    """Go's `json.Marshal` of a float32 (e.g. a PostgreSQL `real`): the shortest digits that
    round-trip *as a float32*, with the float64 rule's exponent thresholds.

    `f` is the float32's value widened to a Python float.
    """
    special = _special(f)
    if special is not None:
        return special
    bits = struct.pack(">f", f)
    for count in range(1, 10):  # 9 significant digits always round-trip a float32
        # Correctly rounded, so the closest of its length: the one Go's shortest search finds.
        candidate = f"{f:.{count - 1}e}"
        if _as_float32(float(candidate)) == bits:
            break
    # Go compares float32(abs) with the constants also rounded to float32.
    return _go_text(Decimal(candidate).normalize(), _F32_SMALL <= abs(f) < _F32_LARGE)


def _special(f: float) -> str | None:
    """Zero's text; None for any other finite number; Go's refusal of NaN and the infinities."""
    if not math.isfinite(f):
        # Go's UnsupportedValueError names the value as strconv writes it: NaN, +Inf, -Inf.
        name = "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
        raise ValueError(f"json: unsupported value: {name}")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    return None


def _go_text(shortest: Decimal, plain: bool) -> str:
    """The shortest digits as Go's encoder writes them: plain, or in exponent form."""
    if plain:
        return format(shortest, "f")
    sign, digits, exponent = shortest.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
    power = exponent + len(text) - 1
    # Go writes at least two exponent digits, then trims "e-07" back to "e-7".
    suffix = f"e-{-power}" if power < 0 else f"e+{power:02d}"
    return ("-" if sign else "") + mantissa + suffix


def _as_float32(value: float) -> bytes | None:
    """The float32 bytes `value` rounds to; None past float32's range (no such float32)."""
    try:
        return struct.pack(">f", value)
    except OverflowError:
        return None


def format_g(f: float) -> str:
    """Go's `strconv.FormatFloat(f, 'g', -1, 64)`: how client_golang (so daprd's /metrics)
    writes sample values and bucket bounds. Shortest digits; exponent form from 1e+06 up and
    below 1e-04, with at least two exponent digits."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    shortest = Decimal(repr(f)).normalize()
    exponent = shortest.adjusted()
    if -4 <= exponent < 6:
        return format(shortest, "f")
    sign, digits, _ = shortest.as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"

"""Go's float64 text: what `json.Marshal` (and so every daprd JSON document) writes for a number."""

from __future__ import annotations

import math
from decimal import Decimal


def format_float(f: float) -> str:
    """Go's float64 encoding: shortest round-trip digits, exponent form only when tiny or huge."""
    if not math.isfinite(f):
        # Go's UnsupportedValueError names the value as strconv writes it: NaN, +Inf, -Inf.
        name = "NaN" if math.isnan(f) else ("+Inf" if f > 0 else "-Inf")
        raise ValueError(f"json: unsupported value: {name}")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    magnitude = abs(f)
    if magnitude < 2**53 and f.is_integer():
        return str(int(f))  # exact, and no shorter digit string names the same float
    # repr() gives the shortest digits that round-trip, as Go's strconv does with precision -1.
    shortest = Decimal(repr(f)).normalize()
    if 1e-6 <= magnitude < 1e21:
        return format(shortest, "f")
    sign, digits, exponent = shortest.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
    power = exponent + len(text) - 1
    # Go writes at least two exponent digits, then trims "e-07" back to "e-7".
    suffix = f"e-{-power}" if power < 0 else f"e+{power:02d}"
    return ("-" if sign else "") + mantissa + suffix

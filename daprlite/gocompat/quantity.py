"""Byte sizes as Dapr reads them: a Kubernetes `resource.Quantity` (`100Mi`, `1k`, `5e3`).

dapr/kit's `ByteSize` parses with k8s.io/apimachinery's `ParseQuantity` and then asks for the
value with `AsInt64`, which only succeeds on the parser's fast int64 path with no fraction
left. So `1.5k` is 1500 bytes but `1.0` and `0.5Ki` are refused, exactly as daprd refuses them.
"""

from __future__ import annotations

_SYNTAX = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
_SUFFIX = "unable to parse quantity's suffix"
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DECIMAL_SI = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SI = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_INT64_MAX = (1 << 63) - 1
_MAX_INT64_FACTORS = 18  # decimal digits that always fit an int64
_NANO = -9


def byte_size(text: str) -> int:
    """The number of bytes `text` names (negative allowed); ValueError with Go's reason if not."""
    if not text:
        raise ValueError(_SYNTAX)
    if text == "0":
        return 0
    negative, num, denom, suffix = _scan(text)
    exponent, binary = _interpret(suffix)
    refused = ValueError(f"cannot get bytes from resource quantity value '{text}'")
    mantissa, scale, precision = 1, exponent, _MAX_INT64_FACTORS - len(num) - len(denom)
    if binary:
        scale = 0
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            # Go estimates the decimal digits of 2**exponent through a float32 product.
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            precision = -1
    if precision >= 0:
        scale -= len(denom)
        if scale >= _NANO:
            value = int(num + denom) * mantissa
            if value <= _INT64_MAX:
                # The fast path: an int64 scaled by 10**scale. AsInt64 refuses a fraction and
                # an overflow, even one that is a whole number in the end (`1.0`, `1000m`).
                if value == 0:
                    return 0
                if scale < 0:
                    raise refused
                whole: int = value * 10**scale
                if whole > _INT64_MAX:
                    raise refused
                return -whole if negative else whole
    # The slow path keeps an arbitrary-precision decimal, which AsInt64 never converts; only
    # zero gets through, since ByteSize checks for zero first.
    if int(num) == 0 and not denom.strip("0"):
        return 0
    raise refused


def _scan(text: str) -> tuple[bool, str, str, str]:
    """Go's parseQuantityString: sign, integer digits, fraction digits and suffix."""
    pos, end, negative = 0, len(text), False
    if text[0] in "+-":
        negative, pos = text[0] == "-", 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return negative, "0", "", ""
    start = pos
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos].isdigit() and text[pos].isascii():
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos < end:
        raise ValueError(_SYNTAX)
    return negative, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, bool]:
    """(exponent, is binary) of a suffix: decimal SI, binary SI or `e<n>`."""
    if suffix in _DECIMAL_SI:
        return _DECIMAL_SI[suffix], False
    if suffix in _BINARY_SI:
        return _BINARY_SI[suffix], True
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body.isdigit() and body.isascii():
            parsed = int(digits)
            if -(1 << 63) <= parsed <= _INT64_MAX:
                # Go keeps the exponent in an int32, wrapping a larger one.
                return (parsed + (1 << 31)) % (1 << 32) - (1 << 31), False
    raise ValueError(_SUFFIX)

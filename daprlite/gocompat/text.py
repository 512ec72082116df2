"""Go's text helpers that decide what a value means: strings.Fields and TrimSpace (Go's idea of
white space), strconv.Atoi (with its error text) and strconv.Quote.
"""

from __future__ import annotations

import re

# unicode.IsSpace: Latin-1 white space plus the Unicode White_Space property beyond it. Python's
# str.split() also splits on \x1c-\x1f, which Go does not.
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACES = re.compile(f"[{_SPACE}]+")
_EDGES = re.compile(f"^[{_SPACE}]+|[{_SPACE}]+$")
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\v": "\\v", "\\": "\\\\", '"': '\\"'}  # fmt: skip


def fields(text: str) -> list[str]:
    """strings.Fields: the runs of text between Go's white space, none empty."""
    return [part for part in _SPACES.split(text) if part]


def trim_space(text: str) -> str:
    """strings.TrimSpace."""
    return _EDGES.sub("", text)


class AtoiError(ValueError):
    """strconv.Atoi refused the text; the message is Go's, word for word."""


def atoi(text: str) -> int:
    """strconv.Atoi on a 64-bit platform: an optional sign, then ASCII digits, base 10."""
    body = text[1:] if text[:1] in ("+", "-") else text
    magnitude = 0
    for char in body:
        if not "0" <= char <= "9":
            raise _atoi_error(text, "invalid syntax")
        magnitude = magnitude * 10 + ord(char) - ord("0")
        if magnitude > _UINT64_MAX:  # ParseUint stops at the digit that overflows
            raise _atoi_error(text, "value out of range")
    if not body:
        raise _atoi_error(text, "invalid syntax")
    value = -magnitude if text.startswith("-") else magnitude
    if not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise _atoi_error(text, "value out of range")
    return value


def _atoi_error(text: str, reason: str) -> AtoiError:
    return AtoiError(f"strconv.Atoi: parsing {quote(text)}: {reason}")


def quote(text: str) -> str:
    """strconv.Quote: printable characters as they are, the rest as Go escapes."""
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():  # unicode.IsPrint: L, M, N, P and S, and " "
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)

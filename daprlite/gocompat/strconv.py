"""Go's strconv, the parts daprd's output depends on: `Unquote` on bytes (the rule daprd's
localstorage and smtp bindings apply to request data, because the HTTP API hands a JSON string
over with its quotes still on), `Quote` (what `%q` prints in Go's error texts) and `Atoi`.
"""

from __future__ import annotations

_SIMPLE = {
    ord("a"): 0x07,
    ord("b"): 0x08,
    ord("f"): 0x0C,
    ord("n"): 0x0A,
    ord("r"): 0x0D,
    ord("t"): 0x09,
    ord("v"): 0x0B,
    ord("\\"): 0x5C,
}
_HEX_DIGITS = {ord("x"): 2, ord("u"): 4, ord("U"): 8}
_HEX = frozenset(b"0123456789abcdefABCDEF")
_OCTAL = frozenset(b"01234567")
_REPLACEMENT = "\ufffd".encode()


def unquote(s: bytes) -> bytes | None:
    """The bytes a Go string literal (`"..."`, `'c'` or a raw `` `...` ``) stands for, or None
    where Go answers ErrSyntax. Like Go, invalid UTF-8 inside a quoted literal with escapes
    becomes U+FFFD, while a raw literal keeps its bytes (only carriage returns are dropped)."""
    if len(s) < 2 or s[0] not in b"\"'`" or s[-1] != s[0]:
        return None
    quote, body = s[0], s[1:-1]
    if quote == ord("`"):
        return None if b"`" in body else body.replace(b"\r", b"")
    if b"\\" not in body and b"\n" not in body and bytes([quote]) not in body:
        if quote == ord('"'):
            return body if _valid_utf8(body) else _slow(body, quote)
        # Go's fast path lets the empty character literal '' through as "".
        if not body or _one_rune(body):
            return body
    return _slow(body, quote)


def _valid_utf8(b: bytes) -> bool:
    # Python's decoder refuses surrogates and overlong forms, as Go's utf8.ValidString does.
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _one_rune(body: bytes) -> bool:
    for size in range(1, min(4, len(body)) + 1):
        try:
            body[:size].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return size == len(body)
    return False


def _slow(body: bytes, quote: int) -> bytes | None:
    out = bytearray()
    i, count = 0, 0
    while i < len(body):
        c = body[i]
        if c == ord("\n") or c == quote:
            return None
        if quote == ord("'") and count == 1:
            return None  # a character literal holds exactly one character
        count += 1
        if c >= 0x80:
            size = _rune_size(body, i)
            out += body[i : i + size] if size else _REPLACEMENT
            i += size or 1
            continue
        if c != ord("\\"):
            out.append(c)
            i += 1
            continue
        step = _escape(body, i + 1, quote, out)
        if step is None:
            return None
        i = step
    if quote == ord("'") and count != 1:
        return None
    return bytes(out)


def _rune_size(body: bytes, i: int) -> int:
    """The length of the valid UTF-8 sequence at `i`, or 0 when the byte there starts none."""
    for size in range(2, 5):
        try:
            body[i : i + size].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return size
    return 0


def _escape(body: bytes, i: int, quote: int, out: bytearray) -> int | None:
    """Append the value of the escape whose letter is at `i`; the index after it, or None."""
    if i >= len(body):
        return None
    c = body[i]
    if c in _SIMPLE:
        out.append(_SIMPLE[c])
        return i + 1
    if c in (ord("'"), ord('"')):
        if c != quote:
            return None
        out.append(c)
        return i + 1
    if c in _HEX_DIGITS:
        digits = body[i + 1 : i + 1 + _HEX_DIGITS[c]]
        if len(digits) < _HEX_DIGITS[c] or not set(digits) <= _HEX:
            return None
        value = int(digits, 16)
        if c == ord("x"):
            out.append(value)  # one byte, which need not be UTF-8
        elif value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return None
        else:
            out += chr(value).encode()
        return i + 1 + len(digits)
    if c in _OCTAL:
        digits = body[i : i + 3]
        if len(digits) < 3 or not set(digits) <= _OCTAL or int(digits, 8) > 255:
            return None
        out.append(int(digits, 8))
        return i + 3
    return None


_NAMED = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def quote(text: str) -> str:
    """`"a\\tb"` for a tab, `\\x01` for other control bytes, `\\u00a0` for unprintable runes."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")  # a lone surrogate cannot be UTF-8; Go's decoders made it U+FFFD
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_UINT64_MAX = (1 << 64) - 1


class NumError(ValueError):
    """strconv refused the text; the message is Go's, word for word."""


# Atoi's refusals are ParseInt's, worded with its own name.
AtoiError = NumError


def atoi(text: str) -> int:
    """strconv.Atoi on a 64-bit platform: an optional sign, then ASCII digits, base 10."""
    return parse_int(text, 64, function="Atoi")


def parse_int(text: str, bits: int, *, unsigned: bool = False, function: str = "") -> int:
    """strconv.ParseInt(text, 10, bits), or ParseUint when `unsigned` (no sign allowed).

    As Go, the digits are read left to right and the first one that overflows is a range
    error even if a bad character follows it.
    """
    name = function or ("ParseUint" if unsigned else "ParseInt")
    signed = not unsigned and text[:1] in ("+", "-")
    body = text[1:] if signed else text
    limit = (1 << bits) - 1 if unsigned else 1 << (bits - 1)  # the magnitude allowed
    magnitude = 0
    for char in body:
        if not "0" <= char <= "9":
            raise _num_error(name, text, "invalid syntax")
        magnitude = magnitude * 10 + ord(char) - ord("0")
        if magnitude > _UINT64_MAX:  # ParseUint stops at the digit that overflows
            raise _num_error(name, text, "value out of range")
    if not body:
        raise _num_error(name, text, "invalid syntax")
    negative = text.startswith("-") and signed
    if magnitude > limit or (not unsigned and not negative and magnitude == limit):
        raise _num_error(name, text, "value out of range")
    return -magnitude if negative else magnitude


def _num_error(function: str, text: str, reason: str) -> NumError:
    return NumError(f"strconv.{function}: parsing {quote(text)}: {reason}")

"""Go's `encoding/json` syntax errors, worded as Go words them, from a byte-by-byte scanner.

It runs only after Python's parser failed, so it may be slow; nesting past Python's limit
yields None.
"""

from __future__ import annotations

from typing import NoReturn

_CONTROL_NAMES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_WORDS = {0x74: b"true", 0x66: b"false", 0x6E: b"null"}
# Sets, not bytes: `-1 in b"..."` (end of input) would raise.
_SPACE, _DIGIT, _HEX = (
    frozenset(b" \t\r\n"),
    frozenset(b"0123456789"),
    frozenset(b"0123456789abcdefABCDEF"),
)
_ESCAPABLE, _EXP, _SIGN = frozenset(b'"\\/bfnrt'), frozenset(b"eE"), frozenset(b"+-")


class _Syntax(Exception):
    pass


def quote_char(c: int) -> str:
    # Go shows the offending byte as a rune (0xff prints as 'ÿ'), quoted by strconv.Quote rules.
    ch = chr(c)
    if ch in "'\\":
        return f"'\\{ch}'"
    if c in _CONTROL_NAMES:
        return f"'{_CONTROL_NAMES[c]}'"
    if ch.isprintable():
        return f"'{ch}'"
    return f"'\\x{c:02x}'" if c < 0x80 else f"'\\u{c:04x}'"


def syntax_error(doc: bytes) -> str | None:
    """Go's message for the first syntax error in the first value of `doc`; None if valid."""
    scanner = _Scanner(doc)
    if scanner.space(0) == len(doc):
        return "EOF"
    try:
        scanner.value(0)
    except _Syntax as exc:
        return str(exc)
    except RecursionError:
        pass
    return None


class _Scanner:
    def __init__(self, doc: bytes) -> None:
        self.doc = doc

    def at(self, i: int) -> int:
        return self.doc[i] if i < len(self.doc) else -1

    def fail(self, i: int, context: str) -> NoReturn:
        if i >= len(self.doc):
            raise _Syntax("unexpected EOF")
        raise _Syntax(f"invalid character {quote_char(self.doc[i])} {context}")

    def space(self, i: int) -> int:
        while self.at(i) in _SPACE:
            i += 1
        return i

    def value(self, i: int) -> int:
        """Scan one value starting at (or after spaces before) `i`; return the index after it."""
        i = self.space(i)
        c = self.at(i)
        if c == 0x7B:  # {
            i = self.space(i + 1)
            if self.at(i) == 0x7D:
                return i + 1
            while True:
                if self.at(i) != 0x22:
                    self.fail(i, "looking for beginning of object key string")
                i = self.space(self.string(i))
                if self.at(i) != 0x3A:
                    self.fail(i, "after object key")
                i = self.space(self.value(i + 1))
                if self.at(i) == 0x7D:
                    return i + 1
                if self.at(i) != 0x2C:
                    self.fail(i, "after object key:value pair")
                i = self.space(i + 1)
        if c == 0x5B:  # [
            i = self.space(i + 1)
            if self.at(i) == 0x5D:
                return i + 1
            while True:
                i = self.space(self.value(i))
                if self.at(i) == 0x5D:
                    return i + 1
                if self.at(i) != 0x2C:
                    self.fail(i, "after array element")
                i += 1
        if c == 0x22:
            return self.string(i)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number(i)
        if c in _WORDS:
            word = _WORDS[c]
            for k, expected in enumerate(word[1:], start=1):
                if self.at(i + k) != expected:
                    self.fail(i + k, f"in literal {word.decode()} (expecting '{chr(expected)}')")
            return i + len(word)
        self.fail(i, "looking for beginning of value")

    def string(self, i: int) -> int:
        i += 1
        while (c := self.at(i)) != 0x22:
            if c == 0x5C:
                i += 1
                if self.at(i) == 0x75:  # \uXXXX
                    for _ in range(4):
                        i += 1
                        if self.at(i) not in _HEX:
                            self.fail(i, "in \\u hexadecimal character escape")
                elif self.at(i) not in _ESCAPABLE:
                    self.fail(i, "in string escape code")
            elif c < 0x20:
                self.fail(i, "in string literal")
            i += 1
        return i + 1

    def number(self, i: int) -> int:
        if self.at(i) == 0x2D:
            i += 1
        if self.at(i) == 0x30:
            i += 1
        else:
            i = self.digits(i, "in numeric literal")
        if self.at(i) == 0x2E:
            i = self.digits(i + 1, "after decimal point in numeric literal")
        if self.at(i) in _EXP:
            i += 1
            if self.at(i) in _SIGN:
                i += 1
            i = self.digits(i, "in exponent of numeric literal")
        return i

    def digits(self, i: int, context: str) -> int:
        if self.at(i) not in _DIGIT:
            self.fail(i, context)
        while self.at(i) in _DIGIT:
            i += 1
        return i

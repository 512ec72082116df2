"""JSON the way daprd's Go code reads and writes it: `json.Decoder` into `any` (with Go's error
messages) and `json.Marshal` of what it decoded.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from daprlite.gocompat.floats import format_float
from daprlite.gocompat.json_syntax import quote_char, syntax_error


class GoJSONError(ValueError):
    """A body Go's `encoding/json` would reject; the message is the text Go gives."""


class GoObject(list[tuple[str, Any]]):
    """A decoded JSON object: its pairs in document order, duplicate keys kept.

    Go matches struct fields and fills maps pair by pair (the last duplicate wins, maps that
    appear twice are merged), so the order and the duplicates matter until the value is used.
    """


@dataclass(frozen=True, slots=True)
class BigNumber:
    """A number literal outside float64's range, which Go refuses to decode into `any`."""

    literal: str


# ---------------------------------------------------------------------------------------------
# Encoding: what `json.Marshal` writes for a value decoded into `any`.

# Go escapes HTML-significant characters and the JS line separators, and writes every other
# control character as \u00XX except the five with short forms (Go 1.22+ uses \b and \f too).
# Lone surrogates cannot be UTF-8 encoded; Go writes U+FFFD for any invalid text.
_ESCAPES: dict[int, str] = {c: f"\\u{c:04x}" for c in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})
_ESCAPES.update({ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})
_ESCAPES.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\<>&\u2028\u2029\ud800-\udfff]')


class BigNumberError(GoJSONError):
    def __init__(self, literal: str) -> None:
        self.literal = literal
        super().__init__(f"json: cannot unmarshal number {literal} into Go value of type float64")


def encode(value: Any, *, sort_keys: bool = True) -> bytes:
    """Compact JSON as Go writes it: sorted keys, float64 numbers, HTML-safe strings.

    Accepts what `decode` returns (GoObject, list, str, float, bool, None) and plain dicts/ints.
    `sort_keys=False` keeps dict order, for documents that stand for Go structs.
    Raises GoJSONError for a BigNumber, ValueError for NaN/Inf (Go refuses both).
    """
    parts: list[str] = []
    try:
        _encode(value, parts.append, sort_keys)
    except RecursionError:
        raise GoJSONError("json: value nested too deeply for daprlite") from None
    return "".join(parts).encode()


def _encode(value: Any, out: Callable[[str], object], sort_keys: bool) -> None:
    if value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, str):
        out(_string(value))
    elif isinstance(value, int):
        out(str(value))  # Go writes an integer type exactly; decoded numbers are floats
    elif isinstance(value, float):
        out(format_float(value))
    elif isinstance(value, GoObject | dict):
        # Go marshals a map with its keys sorted bytewise; for UTF-8 that is code point order.
        items = dict(value)
        out("{")
        for i, key in enumerate(sorted(items) if sort_keys else items):
            out(("," if i else "") + _string(key) + ":")
            _encode(items[key], out, sort_keys)
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        for i, item in enumerate(value):
            if i:
                out(",")
            _encode(item, out, sort_keys)
        out("]")
    elif isinstance(value, BigNumber):
        raise BigNumberError(value.literal)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _string(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return f'"{text.translate(_ESCAPES)}"'


# ---------------------------------------------------------------------------------------------
# Decoding.


def _go_replace(exc: UnicodeError) -> tuple[str, int]:
    # Go replaces each invalid byte with U+FFFD; Python's "replace" would merge some of them.
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd", exc.start + 1


codecs.register_error("daprlite.gojson", _go_replace)


class _Rejected(Exception):
    """NaN/Infinity, which Python accepts and Go does not."""


def _number(literal: str) -> float | BigNumber:
    value = float(literal)  # integers too: Go decodes every number into float64
    return value if math.isfinite(value) else BigNumber(literal)


def _reject(literal: str) -> NoReturn:
    raise _Rejected(literal)


_DECODER = json.JSONDecoder(
    object_pairs_hook=GoObject, parse_float=_number, parse_int=_number, parse_constant=_reject
)
_GO_SPACE = " \t\r\n"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse(body: bytes) -> Any:
    """The first JSON value of `body` (trailing bytes ignored, like Go's json.Decoder)."""
    text = body.decode("utf-8", "daprlite.gojson")
    start = len(text) - len(text.lstrip(_GO_SPACE))
    if start == len(text):
        raise GoJSONError("EOF")
    try:
        value, _ = _DECODER.raw_decode(text, start)
    except (ValueError, _Rejected, RecursionError) as exc:
        # Python's messages differ from Go's, so re-scan the bytes for Go's wording.
        message = syntax_error(body)
        if message is None:
            message = (
                "json: value nested too deeply for daprlite"
                if isinstance(exc, RecursionError)
                else f"invalid JSON: {exc}"
            )
        raise GoJSONError(message) from None
    if _SURROGATE_ESCAPE.search(text):
        value = _fix_surrogates(value)
    return value


def _fix_surrogates(value: Any) -> Any:
    # An unpaired \uD800-style escape decodes to a lone surrogate; Go substitutes U+FFFD.
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, GoObject):
        return GoObject((_fix_surrogates(k), _fix_surrogates(v)) for k, v in value)
    if isinstance(value, list):
        return [_fix_surrogates(v) for v in value]
    return value


def decode(body: bytes) -> Any:
    """Decode like `json.NewDecoder(body).Decode(&v)` with `v any`; objects become GoObject."""
    value = parse(body)
    encode(value)  # surfaces an out-of-range number the way Go reports it
    return value


def unmarshal(body: bytes) -> Any:
    """Decode like `json.Unmarshal(body, &v)` with `v any`: unlike the Decoder, the whole input
    must be one value (trailing bytes are an error) and running out is "unexpected end of
    JSON input"."""
    try:
        value = parse(body)
    except GoJSONError as exc:
        if str(exc) in ("EOF", "unexpected EOF"):
            raise GoJSONError("unexpected end of JSON input") from None
        raise
    text = body.decode("utf-8", "daprlite.gojson").strip(_GO_SPACE)
    end = _DECODER.raw_decode(text)[1]
    end += len(text[end:]) - len(text[end:].lstrip(_GO_SPACE))
    if end < len(text):
        raise GoJSONError(
            f"invalid character {quote_char(text[end].encode()[0])} after top-level value"
        )
    encode(value)  # surfaces an out-of-range number the way Go reports it
    return value


def json_kind(value: Any) -> str:
    """The JSON type of a decoded value as Go's decoder errors name it ("cannot unmarshal
    string into Go value of type ...")."""
    if isinstance(value, GoObject):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"

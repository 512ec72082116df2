"""The common case of a bindings request body, decoded and re-encoded by the C json module.

The general decoder (gojson) follows Go's rules in Python code and costs ~50 µs for a 1 KB
body; most bodies need none of its care. This path takes a body only when plain `json` gives
exactly the bytes Go would (no floats, no integers beyond float64's exact range, no `-0`, no
NaN, no repeated keys, only the three lower-case top-level keys, string metadata, valid
UTF-8) and returns None for anything else, which then takes the general path.
"""

from __future__ import annotations

import json
from typing import Any

_EXACT_INT_DIGITS = 15  # every integer of up to 15 digits is exact in a float64
_TOP_KEYS = frozenset({"data", "metadata", "operation"})
# Go's encoder escapes these even inside strings (HTML safety, JavaScript line separators);
# outside strings they cannot occur in JSON text, so a plain replace is exact.
_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


class _NotPlain(Exception):
    """The body needs the general decoder."""


def _plain_int(literal: str) -> int:
    # Go reads every number as a float64: beyond 15 digits its digits may change, and -0
    # stays negative zero; both are the general decoder's business.
    if len(literal.lstrip("-")) > _EXACT_INT_DIGITS or literal == "-0":
        raise _NotPlain
    return int(literal)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key: Go merges or skips (top-level fields, e.g. a repeated `metadata` map is
    # merged), which only the general decoder follows.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _NotPlain
    return obj


def _refuse(_literal: str) -> Any:
    # Fractions, exponents, NaN and Infinity: Go formats (or rejects) them its own way.
    raise _NotPlain


# Built once: json.loads and json.dumps with options build a new decoder or encoder each call.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_int=_plain_int,
    parse_float=_refuse,
    parse_constant=_refuse,
)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def fast_output_binding_request(body: bytes) -> tuple[bytes, dict[str, str], str] | None:
    """(data as Go re-encodes it, metadata, operation), or None when the body is not plain."""
    try:
        text = body.decode("utf-8")
        value = _DECODER.decode(text)
    except (_NotPlain, ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not value.keys() <= _TOP_KEYS:
        return None
    operation = value.get("operation")
    metadata = value.get("metadata")
    if operation is not None and not isinstance(operation, str):
        return None
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        return None
    try:
        data = _ENCODER.encode(value.get("data"))
        for raw, escaped in _GO_ESCAPES:
            if raw in data:
                data = data.replace(raw, escaped)
        encoded = data.encode("utf-8")  # a lone surrogate from "\ud800" fails here
    except (UnicodeEncodeError, RecursionError):
        return None
    return encoded, metadata or {}, operation or ""

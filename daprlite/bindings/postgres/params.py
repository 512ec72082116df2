"""The `params` request metadata: a JSON array decoded as Go does, each value sent as text.

pgx converts Go's decoded values to the types the server reports for `$1..$n`. daprlite sends
each value as text with no type (OID 0) and lets the server infer the type from the statement,
which reaches the same result for the values pgx accepts (a string for a timestamp, a number for
an integer, an array for `= ANY($1)`), and accepts some pgx refuses (a number for a text).
"""

from __future__ import annotations

from typing import Any

from daprlite.gocompat.floats import format_float
from daprlite.gocompat.json import GoJSONError, GoObject, encode, unmarshal
from daprlite.model.errors import BindingInvokeError

_PREFIX = "invalid metadata property params: failed to unserialize into an array: "
# Go's word for a JSON value that is not an array, in "cannot unmarshal <word> into ...".
_KIND = ((GoObject, "object"), (bool, "bool"), (float, "number"), (str, "string"))


def decode_params(text: str) -> list[str | None] | None:
    """None when there are none (missing, empty or `null`); raises with daprd's message."""
    if not text:
        return None
    try:
        values = unmarshal(text.encode())
    except GoJSONError as exc:
        raise BindingInvokeError(_PREFIX + str(exc)) from None
    if values is None:
        return None
    if not isinstance(values, list) or isinstance(values, GoObject):
        word = next(name for kind, name in _KIND if isinstance(values, kind))
        raise BindingInvokeError(
            _PREFIX + f"json: cannot unmarshal {word} into Go value of type []interface {{}}"
        )
    return [as_text(value) for value in values] or None


def as_text(value: Any) -> str | None:
    """The text PostgreSQL's input function reads for a decoded JSON value; None is NULL."""
    if value is None:
        return None
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, GoObject):  # (a GoObject is a list of pairs: test it first)
        return encode(value).decode()  # JSON text, as pgx writes an object for json/jsonb
    return _array_literal(value)


def _array_literal(values: list[Any]) -> str:
    """A PostgreSQL array literal (`{1,2,"a b",NULL}`); nested lists become dimensions."""
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        elif isinstance(value, list) and not isinstance(value, GoObject):
            items.append(_array_literal(value))
        else:
            text = as_text(value) or ""
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"

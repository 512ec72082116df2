"""The secrets daprd's local file store makes of its JSON document.

Single-valued: every leaf becomes one secret, its name the path of keys and array indexes
joined by `nestedSeparator`. Multi-valued: each top-level string is a secret, each top-level
object a secret whose keys are its flattened leaves; other top-level values are dropped. Leaves
are written with Go's `%s`, so a number or a boolean comes out as daprd gives it
(`%!s(float64=5432)`), not as it was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from daprlite.gocompat.floats import format_g
from daprlite.gocompat.json import GoJSONError, GoObject, json_kind, unmarshal

# A single-valued secret is its text; a multi-valued one maps its keys to their text.
Secrets = dict[str, str | dict[str, str]]


class DocumentError(ValueError):
    """The file is not a JSON object; the text is Go's, never a value from the file."""


def read_document(raw: bytes) -> dict[str, Any]:
    """The top-level object of the file, as Go's json.Unmarshal into a map gives it."""
    try:
        value = unmarshal(raw)
    except GoJSONError as exc:
        if "cannot unmarshal number" in str(exc):  # Go's text would quote the number itself
            raise DocumentError(
                "json: cannot unmarshal number into Go value of type float64 (a number in the "
                "file is out of range; it is not shown)"
            ) from None
        raise DocumentError(str(exc)) from None
    if value is None:
        return {}
    if not isinstance(value, GoObject):
        raise DocumentError(
            f"json: cannot unmarshal {json_kind(value)} "
            "into Go value of type map[string]interface {}"
        )
    document: dict[str, Any] = _plain(value)
    return document


def single_valued(document: dict[str, Any], separator: str) -> tuple[Secrets, list[str]]:
    """Every leaf as a secret of its own, and the flattened names given twice (first kept)."""
    secrets: Secrets = {}
    duplicates: list[str] = []
    for name, text in _leaves(document, separator):
        if name in secrets:
            duplicates.append(name)
        else:
            secrets[name] = text
    return secrets, duplicates


def multi_valued(document: dict[str, Any], separator: str) -> tuple[Secrets, list[str]]:
    """Top-level strings and objects as secrets; an object's leaves are its keys."""
    secrets: Secrets = {}
    duplicates: list[str] = []
    for name, value in document.items():
        if isinstance(value, str):
            secrets[name] = value
        elif isinstance(value, dict):
            inner, repeated = single_valued(value, separator)
            secrets[name] = {key: str(text) for key, text in inner.items()}
            duplicates.extend(f"{name}/{key}" for key in repeated)
    return secrets, duplicates


def go_text(value: Any) -> str:
    """`fmt.Sprintf("%s", v)` for a value json.Unmarshal gives: only strings print plainly."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    if isinstance(value, bool):
        return f"%!s(bool={'true' if value else 'false'})"
    return f"%!s(float64={format_g(float(value))})"


def _leaves(value: Any, separator: str, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, element in value.items():
            yield from _leaves(element, separator, (*path, key))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            yield from _leaves(element, separator, (*path, str(index)))
    else:
        yield separator.join(path), go_text(value)


def _plain(value: Any) -> Any:
    # Go fills a map pair by pair: of a key given twice, the last value stays.
    if isinstance(value, GoObject):
        return {key: _plain(element) for key, element in value}
    if isinstance(value, list):
        return [_plain(element) for element in value]
    return value

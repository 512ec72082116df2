"""Component metadata values: the text daprd sees for a YAML value, and typed, case-insensitive
reading of that text for binding implementations (bad values raise MetadataError with file:line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import Node, ScalarNode

from daprlite.gocompat.duration import parse_duration
from daprlite.gocompat.floats import format_float
from daprlite.gocompat.json import encode
from daprlite.model.component import Component
from daprlite.model.errors import MetadataError

# A superset of Go's strconv.ParseBool (which daprd's decoder uses): yes/no/on/off and any
# letter case are accepted too, since they are what people write in YAML by habit.
_TRUE = frozenset({"1", "t", "true", "y", "yes", "on"})
_FALSE = frozenset({"0", "f", "false", "n", "no", "off"})

_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_TAG = "tag:yaml.org,2002:"


def yaml_value_text(node: Node) -> str:
    """The text daprd sees for a metadata value: scalars unquoted, mappings and lists as JSON."""
    if isinstance(node, ScalarNode):
        if node.tag == _TAG + "null":
            return ""
        if node.tag == _TAG + "bool":
            return "true" if SafeConstructor().construct_object(node) else "false"
        if node.tag == _TAG + "int" and ":" not in node.value:  # base-60 is not an int in Go
            return str(SafeConstructor().construct_object(node))
        if node.tag == _TAG + "float":
            number = SafeConstructor().construct_object(node)
            return format_float(number) if math.isfinite(number) else str(node.value)
        return str(node.value)
    # daprd turns YAML into JSON with Go's json.Marshal: sorted keys, HTML-safe escapes.
    try:
        return encode(_TextTimestamps().construct_document(node)).decode()
    except ValueError as exc:  # NaN or Infinity inside a mapping: Go cannot write it either
        raise yaml.YAMLError(str(exc)) from None


class _TextTimestamps(SafeConstructor):
    """Keeps YAML timestamps as the text written, as Go's YAML-to-JSON step does."""

    # PyYAML looks constructors up in this class-level table; a copy leaves SafeConstructor's.
    yaml_constructors = {  # noqa: RUF012
        **SafeConstructor.yaml_constructors,
        _TAG + "timestamp": SafeConstructor.construct_scalar,
    }


class MetadataReader:
    """Looks metadata keys up case-insensitively, as daprd's decoder does.

    An entry that is present but empty counts as absent for every typed getter, so
    `value: ""` falls back to the default; `has()` still tells the two apart.
    """

    def __init__(self, component: Component) -> None:
        self._component = component
        # Later entries win, as they do in daprd's property map.
        self._keys = {name.lower(): name for name in component.metadata}

    def has(self, key: str) -> bool:
        return key.lower() in self._keys

    def explicit(self, key: str) -> bool:
        return bool(self._raw(key))

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._raw(key)
        return value if value else default

    def required(self, key: str) -> str:
        value = self._raw(key)
        if not value:
            raise self.error(key, "is required but missing or empty")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._raw(key)
        if not value:
            return default
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise self.error(key, f"must be true or false{self._got(key, repr(value))}")

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        value = self._raw(key)
        if not value:
            return default
        if not _INTEGER.fullmatch(value.strip()):
            raise self.error(key, f"must be a whole number{self._got(key, repr(value))}")
        number = int(value.strip())
        if minimum is not None and number < minimum:
            raise self.error(key, f"must be at least {minimum}{self._got(key, str(number))}")
        return number

    def number(self, key: str, default: float, minimum: float | None = None) -> float:
        value = self._raw(key)
        if not value:
            return default
        if not _NUMBER.fullmatch(value.strip()):
            raise self.error(key, f"must be a number{self._got(key, repr(value))}")
        number = float(value.strip())
        if minimum is not None and number < minimum:
            raise self.error(key, f"must be at least {minimum:g}{self._got(key, f'{number:g}')}")
        return number

    def duration(
        self, key: str, default_seconds: float, bare_unit: Literal["ms", "s"] = "ms"
    ) -> float:
        """Float seconds from a Go duration; a bare whole number is taken in `bare_unit`.

        daprd's decoder reads a bare number as milliseconds, hence the default.
        """
        value = self._raw(key)
        if not value:
            return default_seconds
        if _INTEGER.fullmatch(value.strip()):
            return int(value.strip()) * (1e-3 if bare_unit == "ms" else 1.0)
        try:
            # Go's time.ParseDuration refuses surrounding spaces (and so does parse_duration);
            # daprlite trims them here as every typed getter of this reader does.
            return parse_duration(value.strip())
        except ValueError:
            raise self.error(
                key,
                f"must be a duration such as 500ms, 5s, 1m or 1h30m{self._got(key, repr(value))}",
            ) from None

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        """One of `options` (compared case-insensitively), returned as spelled in `options`."""
        value = self._raw(key)
        if not value:
            return default
        for option in options:
            if option.lower() == value.strip().lower():
                return option
        raise self.error(key, f"must be one of {', '.join(options)}{self._got(key, repr(value))}")

    def items(self, key: str) -> list[str]:
        """A comma-separated list, each item trimmed and empty items dropped.

        daprd does not trim (so `a, b` names the broker " b" there); trimming is kinder and
        cannot change a list that works under daprd.
        """
        value = self._raw(key) or ""
        return [item.strip() for item in value.split(",") if item.strip()]

    def _raw(self, key: str) -> str | None:
        name = self._keys.get(key.lower())
        return None if name is None else self._component.metadata[name]

    def from_secret(self, key: str) -> bool:
        """Whether a secret store gave this entry its value (which no message may show)."""
        name = self._keys.get(key.lower())
        return name is not None and name in self._component.from_secrets

    def _got(self, key: str, shown: str) -> str:
        """The ", got <value>" that ends a message, unless the value is a secret's."""
        if self.from_secret(key):
            return " (its value comes from a secret store and is not shown)"
        return f", got {shown}"

    def error(self, key: str, reason: str) -> MetadataError:
        """A MetadataError for `key` that names its file:line; for checks a binding makes itself."""
        name = self._keys.get(key.lower(), key)
        return MetadataError(self._component.name, name, reason, where=self._component.where(name))

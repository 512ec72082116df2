"""W3C `baggage` checked as Go's OpenTelemetry `baggage.Parse` (v1.43, the one daprd 1.18.1
links) checks it, with its error texts: daprd refuses a call whose baggage it reports bad."""

from __future__ import annotations

import re

MAX_MEMBERS = 64
MAX_BYTES = 8192
_KEY_CHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_VALUE_CHARS = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]"
_KEY = re.compile(_KEY_CHARS + "+")
_VALUE = re.compile(_VALUE_CHARS + "*")
# A property: optional blanks, key, then nothing or `=` and a value, blanks around each.
_PROPERTY = re.compile(rf"[ \t]*{_KEY_CHARS}+[ \t]*(=[ \t]*{_VALUE_CHARS}*[ \t]*)?")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def baggage_error(text: str) -> str | None:
    """None when Go parses `text` without error; else the error's text (errors.Join'ed lines)."""
    errors: list[str] = []
    keys: dict[str, int] = {}
    total = 0
    if text == "":
        return None
    for member in text.split(","):
        if len(keys) >= MAX_MEMBERS:
            errors.append("too many list-members in baggage-string")
            break
        parsed = _member(member)
        if isinstance(parsed, str):
            errors.append(parsed)
            continue
        key, size = parsed
        if key not in keys and keys:
            size += 1  # the comma before a new key
        grown = total - keys.get(key, 0) + size
        if grown > MAX_BYTES:
            errors.append("baggage-string too large")
            break
        keys[key], total = size, grown
    return "\n".join(errors) if errors else None


def _member(member: str) -> tuple[str, int] | str:
    """(key, its size in bytes) or an error text."""
    key_value, semicolon, properties = member.partition(";")
    if semicolon:
        for prop in properties.split(";"):
            if prop and (not _PROPERTY.fullmatch(prop) or _bad_escape(prop.partition("=")[2])):
                return f"invalid baggage list-member property: {go_quote(prop)}"
    key, equals, value = key_value.partition("=")
    if not equals:
        return f"invalid baggage list-member: {go_quote(member)}"
    key, raw = key.strip(" \t\n\v\f\r"), value.strip(" \t\n\v\f\r")
    if not _KEY.fullmatch(key):
        return f"invalid key: {go_quote(key)}"
    if not _VALUE.fullmatch(raw):
        return f"invalid value: {go_quote(value)}"
    bad = _bad_escape(raw)
    if bad is not None:
        return f"invalid value: invalid URL escape {go_quote(bad)}"
    # Close to Go's len(member.String()): the key, "=", the value and the properties as sent.
    return key, len(key) + 1 + len(raw) + (len(properties) + 1 if semicolon else 0)


def _bad_escape(value: str) -> str | None:
    found = _ESCAPE.search(value.strip(" \t"))
    if found is None:
        return None
    start = found.start()
    return value.strip(" \t")[start : start + 3]


def go_quote(text: str) -> str:
    """Go's %q of printable ASCII text (what a header can hold); others as \\xNN."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        elif char == "\t":
            out.append("\\t")
        else:
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else char)
    return '"' + "".join(out) + '"'

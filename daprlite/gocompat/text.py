"""Go's strings.Fields and TrimSpace: Go's idea of white space (unicode.IsSpace)."""

from __future__ import annotations

import re

# unicode.IsSpace: Latin-1 white space plus the Unicode White_Space property beyond it. Python's
# str.split() also splits on \x1c-\x1f, which Go does not.
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACES = re.compile(f"[{_SPACE}]+")
_EDGES = re.compile(f"^[{_SPACE}]+|[{_SPACE}]+$")


def fields(text: str) -> list[str]:
    """strings.Fields: the runs of text between Go's white space, none empty."""
    return [part for part in _SPACES.split(text) if part]


def trim_space(text: str) -> str:
    """strings.TrimSpace."""
    return _EDGES.sub("", text)

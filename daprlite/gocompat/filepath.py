"""Go's `path/filepath` on Unix: Clean, Join and Dir, which differ from posixpath at the edges
(Go folds a leading "//" to "/", and Join skips empty elements before cleaning).
"""

from __future__ import annotations

import posixpath


def clean(path: str) -> str:
    """`filepath.Clean`: the shortest equivalent path, lexically; "" becomes "."."""
    cleaned = posixpath.normpath(path)
    # POSIX lets a path start with exactly two slashes and posixpath keeps them; Go does not.
    return cleaned[1:] if cleaned.startswith("//") else cleaned


def join(*elems: str) -> str:
    """`filepath.Join`: the non-empty elements joined by "/" and cleaned; "" when all are empty."""
    parts = [e for e in elems if e]
    return clean("/".join(parts)) if parts else ""


def dir_name(path: str) -> str:
    """`filepath.Dir`: all but the last element, cleaned."""
    return clean(path[: path.rfind("/") + 1])

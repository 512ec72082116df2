"""Go's text for a failed file-system call: `*fs.PathError` ("open /x: no such file or
directory") and `syscall.Errno` on Linux, whose wording is the C library's with a lower-case
first letter, except for the few numbers Go's table words differently or leaves unnamed.
"""

from __future__ import annotations

import errno
import os

# Where Go's Linux table differs from "strerror with a lower-case first letter".
_GO_WORDING = {73: "RFS specific error"}
# Numbers Go's table has no entry for, which it prints as "errno N".
_UNNAMED = frozenset({41, 58})
_LAST_NAMED = 132


def errno_text(code: int) -> str:
    """`syscall.Errno(code).Error()` as Go on Linux writes it."""
    if code in _GO_WORDING:
        return _GO_WORDING[code]
    if code in _UNNAMED or not 0 < code <= _LAST_NAMED:
        return f"errno {code}"
    text = os.strerror(code)
    return text[:1].lower() + text[1:]


def path_error(op: str, path: str, exc: OSError) -> str:
    """`&fs.PathError{Op: op, Path: path, Err: errno}` as text."""
    return f"{op} {path}: {errno_text(exc.errno or errno.EIO)}"

"""Where a request's `fileName` points, as daprd finds it with filepath-securejoin's SecureJoin:
the name is walked one part at a time as if the root were "/" — `..` stops at the root, and a
symbolic link is followed with its target read inside the root too (an absolute target starts
again at the root) — so no name leads outside the root folder.
"""

from __future__ import annotations

import errno
import os
import stat

from daprlite.gocompat.filepath import join
from daprlite.gocompat.oserror import errno_text, path_error

# filepath-securejoin's limit on the symbolic links one name may go through.
MAX_SYMLINKS = 255
_MISSING = (errno.ENOENT, errno.ENOTDIR)


class JoinError(Exception):
    """The name could not be resolved; the message is the text daprd's error ends with."""


def secure_join(root: str, unsafe: str) -> str:
    """The absolute path `unsafe` names inside `root` (absolute and clean); blocking.

    Parts that do not exist (yet) are taken as written, as SecureJoin does.
    """
    current, remaining, links = "", unsafe, 0
    while remaining:
        part, _, remaining = remaining.partition("/")
        candidate = join("/", current, part)
        if candidate == "/":
            current = ""
            continue
        # SecureJoin builds the path it looks at this way, hence the "//" in its errors.
        full = root + "/" + candidate
        info = _lstat(full)
        if info is None or not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        links += 1
        if links > MAX_SYMLINKS:
            raise JoinError(f"SecureJoin {root}/{unsafe}: {errno_text(errno.ELOOP)}")
        try:
            target = os.readlink(full)
        except OSError as exc:
            raise JoinError(path_error("readlink", full, exc)) from None
        remaining = target + "/" + remaining
        if target.startswith("/"):
            current = ""
    return join(root, join("/", current))


def relative_to(root: str, path: str) -> str:
    """`filepath.Rel(root, path)` for a path secure_join returned."""
    return path[len(root) :].lstrip("/") or "."


def _lstat(full: str) -> os.stat_result | None:
    """The entry's lstat, or None when it does not exist (a missing part is no symlink)."""
    try:
        return os.lstat(full)
    except ValueError:  # a NUL byte, which Go's lstat answers with EINVAL
        raise JoinError(f"lstat {full}: {errno_text(errno.EINVAL)}") from None
    except OSError as exc:
        if exc.errno in _MISSING:
            return None
        raise JoinError(path_error("lstat", full, exc)) from None

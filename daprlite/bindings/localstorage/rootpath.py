"""The component's `rootPath`, checked and resolved the way daprd's localstorage Init does it:
made absolute against the working directory, symbolic links of the part that exists resolved,
and refused when it is a file or lies in a system location.
"""

from __future__ import annotations

import os
import stat

from daprlite.gocompat.filepath import clean, dir_name, join
from daprlite.gocompat.oserror import path_error

# daprd's list, compared with the resolved path (see components-contrib#2444 for the last one).
DISALLOWED = ("/proc", "/sys", "/boot", "/var/run/secrets")


class RootPathError(Exception):
    """`reason` finishes the sentence "metadata field 'rootPath' ..."."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def validate_root_path(raw: str, disallowed: tuple[str, ...] = DISALLOWED) -> str:
    """The absolute, resolved root folder for `raw`; blocking (it looks at the file system)."""
    if raw == "":
        raise RootPathError("must not be empty")
    root = clean(raw)
    if not root.startswith("/"):
        try:
            root = join(os.getcwd(), root)
        except OSError as exc:
            reason = f"cannot be used: failed to obtain current working directory: {exc}"
            raise RootPathError(reason) from None
    existing = _existing_prefix(root)
    try:
        resolved = os.path.realpath(existing, strict=True)
    except OSError as exc:
        raise RootPathError(
            "cannot be used: failed to evaluate symlinks in rootPath: "
            + path_error("lstat", exc.filename or existing, exc)
        ) from None
    root = join(resolved, root[len(existing) :])
    for place in disallowed:
        if root == place or root.startswith(place + "/"):
            raise RootPathError(
                f"points to a disallowed location: {root} is within {place} "
                f"(daprd refuses {', '.join(disallowed)})"
            )
    return root


def _existing_prefix(root: str) -> str:
    """The longest leading part of `root` that exists; it must be a folder, as daprd checks."""
    check = root
    while not check.endswith("/"):
        try:
            info = os.stat(check)
        except FileNotFoundError:
            check = dir_name(check)
            continue
        except ValueError:  # a NUL byte: Go's stat answers EINVAL
            raise RootPathError(
                f"cannot be used: error getting stat for path {check}: "
                f"stat {check}: invalid argument"
            ) from None
        except OSError as exc:
            raise RootPathError(
                f"cannot be used: error getting stat for path {check}: "
                + path_error("stat", check, exc)
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise RootPathError("represents a file and not a directory")
        break
    return check

"""A key pair handed to OpenSSL by path without writing it to a disk: OpenSSL (and so Python's
ssl module) loads client certificates and keys from files only, while components carry them as
PEM text. Shared by every binding type with TLS client certificates."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def private_file(data: bytes) -> Iterator[str]:
    """A path OpenSSL can read `data` from, for the `with` block only.

    On Linux the bytes live in an anonymous memory file that never touches a disk; elsewhere
    in a file only this user can read, removed at once.
    """
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("daprlite-tls", os.MFD_CLOEXEC)
        try:
            _write_all(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="daprlite-tls-") as folder:
        path = Path(folder) / "pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        yield str(path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]

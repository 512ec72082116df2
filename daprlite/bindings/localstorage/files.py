"""The four file operations on a path secure_join resolved, worded as daprd words its errors.

Each folder on the way is opened relative to the one before with O_NOFOLLOW, so a part that
turns into a symbolic link after the name was resolved makes the call fail instead of leading
outside the root (daprd would follow it). Blocking: run these in a worker thread.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from daprlite.gocompat.filepath import dir_name, join
from daprlite.gocompat.oserror import errno_text, path_error

# O_PATH opens a folder to walk through without needing read permission on it (Linux).
_WALK = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO without a writer reads as empty instead of holding a thread forever.
_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_CREATE = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


class FileError(Exception):
    """The operation failed; the message is daprd's text for it."""


class _WalkError(Exception):
    """A folder on the way could not be opened (or, for create, made)."""

    def __init__(self, path: str, code: int) -> None:
        self.path, self.code = path, code


def write_file(root: str, path: str, data: bytes) -> None:
    """`create`: the folders on the way made (0777 before umask), the file truncated and written."""
    folder = dir_name(path)
    try:
        if path == root:
            os.makedirs(dir_name(root), 0o777, exist_ok=True)
        else:
            _make_root(root)
    except OSError as exc:
        failed = exc.filename or folder
        failure = path_error("mkdir", failed, exc)
        raise FileError(f"error creating directory {folder}: {failure}") from None
    try:
        with _parent(root, path, create=True) as (at, name):
            fd = _open(name, _CREATE, at)
    except _WalkError as exc:
        failure = f"mkdir {exc.path}: {errno_text(exc.code)}"
        raise FileError(f"error creating directory {folder}: {failure}") from None
    except OSError as exc:
        raise FileError(f"error creating file {path}: {path_error('open', path, exc)}") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise FileError(f"error writing to file {path}: {path_error('write', path, exc)}") from None
    finally:
        os.close(fd)


def read_file(root: str, path: str) -> bytes:
    """`get`: the whole file; a missing one is daprd's "file not found: <path>"."""
    try:
        with _parent(root, path, create=False) as (at, name):
            fd = _open(name, _READ, at)
    except (_WalkError, OSError) as exc:
        code = _code(exc)
        if code == errno.ENOENT:
            raise FileError(f"file not found: {path}") from None
        raise FileError(f"error opening path {path}: open {path}: {errno_text(code)}") from None
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError as exc:
        raise FileError(f"error reading file {path}: {path_error('read', path, exc)}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def remove(root: str, path: str) -> None:
    """`delete`: Go's os.Remove, which removes a file or an empty folder."""
    try:
        with _parent(root, path, create=False) as (at, name):
            _remove(name, at)
    except (_WalkError, OSError) as exc:
        failure = f"remove {path}: {errno_text(_code(exc))}"
        raise FileError(f"error deleting file {path}: {failure}") from None


def list_files(root: str, path: str) -> list[str]:
    """`list`: the absolute path of every entry below `path` that is not a folder, in the order
    of Go's filepath.Walk (names sorted bytewise, a folder's entries where the folder sorts)."""
    try:
        with _parent(root, path, create=False) as (at, name):
            info = os.stat(name, dir_fd=at, follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode):
                raise FileError(
                    f"unable to list files as the file specified is not a directory: {path}"
                )
            try:
                fd = _open(name, _READ_DIR, at)
            except OSError:
                return []  # Walk skips a folder it cannot read, without an error
    except (_WalkError, OSError) as exc:
        failure = f"stat {path}: {errno_text(_code(exc))}"
        raise FileError(f"error getting stats for path {path}: {failure}") from None
    found: list[str] = []
    try:
        _walk(fd, path, found)
    finally:
        os.close(fd)
    return found


def _walk(fd: int, path: str, found: list[str]) -> None:
    for name in sorted(os.listdir(fd), key=os.fsencode):
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError:
            continue  # gone since it was listed (daprd's Walk callback would crash here)
        child = join(path, name)
        if not stat.S_ISDIR(info.st_mode):
            found.append(child)
            continue
        try:
            sub = os.open(name, _READ_DIR, dir_fd=fd)
        except OSError:
            continue
        try:
            _walk(sub, child, found)
        finally:
            os.close(sub)


@contextmanager
def _parent(root: str, path: str, *, create: bool) -> Iterator[tuple[int | None, str]]:
    """(folder fd, name) of `path`'s last part; for the root itself (None, root).

    Raises _WalkError naming the folder that could not be opened (or made).
    """
    if path == root:
        yield None, root
        return
    parts = path[len(root) :].strip("/").split("/")
    try:
        fd = os.open(root, _WALK & ~os.O_NOFOLLOW)  # the root as configured, links and all
    except OSError as exc:
        raise _WalkError(root, exc.errno or errno.EIO) from None
    try:
        here = root
        for part in parts[:-1]:
            here = join(here, part)
            nxt = _enter(fd, part, here, create)
            os.close(fd)
            fd = nxt
        yield fd, parts[-1]
    finally:
        os.close(fd)


def _enter(fd: int, part: str, here: str, create: bool) -> int:
    for _ in range(2):
        try:
            return os.open(part, _WALK, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise _WalkError(here, errno.ENOENT) from None
        except OSError as exc:
            raise _WalkError(here, exc.errno or errno.EIO) from None
        try:
            os.mkdir(part, 0o777, dir_fd=fd)
        except FileExistsError:
            pass  # made by someone else meanwhile, as Go's MkdirAll allows
        except OSError as exc:
            raise _WalkError(here, exc.errno or errno.EIO) from None
    raise _WalkError(here, errno.ENOENT)


def _make_root(root: str) -> None:
    """The root again if it was removed since start-up, as daprd's MkdirAll recreates it."""
    try:
        os.makedirs(root, 0o777, exist_ok=True)
    except FileExistsError as exc:  # there, but not a folder
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), root) from exc


def _open(name: str, flags: int, at: int | None) -> int:
    if at is None:
        return os.open(name, flags & ~os.O_NOFOLLOW, 0o666)
    return os.open(name, flags, 0o666, dir_fd=at)


def _remove(name: str, at: int | None) -> None:
    try:
        os.unlink(name, dir_fd=at)
        return
    except OSError as exc:
        unlink_error = exc
    try:
        os.rmdir(name, dir_fd=at)
    except OSError as exc:
        # Go's os.Remove: both failed; rmdir's error is the real one unless it says ENOTDIR.
        raise (unlink_error if exc.errno == errno.ENOTDIR else exc) from None


def _code(exc: Exception) -> int:
    if isinstance(exc, _WalkError):
        return exc.code
    assert isinstance(exc, OSError)
    return exc.errno or errno.EIO

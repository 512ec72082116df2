"""bindings.localstorage on real files, call by call, against what daprd's own component does.

SCRIPT was recorded by running upstream's bindings/localstorage/localstorage.go (components-
contrib c23900d2, filepath-securejoin v0.6.1, Go 1.26) through the same steps in a fresh folder:
each row is the component's answer — response data, no response (HTTP 204) or the error text.
ROOT stands for the root folder and OUTSIDE for a folder beside it (without its leading slash).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from daprlite.bindings.localstorage import output as output_module
from daprlite.bindings.localstorage.output import LocalStorageOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import BindingInvokeError, ComponentInitError, MetadataError

SCRIPT: list[tuple[Any, ...]] = [
    ("create", {"fileName": "a.txt"}, b'"hello"', ("data", b'{"fileName":"a.txt"}')),
    ("create", {"fileName": "../../x/../b.txt"}, b"test", ("data", b'{"fileName":"b.txt"}')),
    ("create", {"fileName": "/etc/c.txt"}, b'{"a":1}', ("data", b'{"fileName":"etc/c.txt"}')),
    (
        "create",
        {"fileName": "a.txt/sub"},
        b"",
        ("error", "error creating directory ROOT/a.txt: mkdir ROOT/a.txt: not a directory"),
    ),
    (
        "create",
        {"fileName": "a.txt/x/sub"},
        b"",
        ("error", "error creating directory ROOT/a.txt/x: mkdir ROOT/a.txt: not a directory"),
    ),
    (
        "create",
        {"fileName": "."},
        b"",
        ("error", "error creating file ROOT: open ROOT: is a directory"),
    ),
    ("create", {"fileName": "d/e/"}, b"", ("data", b'{"fileName":"d/e"}')),
    (
        "create",
        {"fileName": "q&<>.txt"},
        b"dGVzdA==",
        ("data", b'{"fileName":"q\\u0026\\u003c\\u003e.txt"}'),
    ),
    (
        "create",
        {"fileName": "a.txt", "FileName": "ignored"},
        b"hello again",
        ("data", b'{"fileName":"a.txt"}'),
    ),
    ("get", {"fileName": "a.txt"}, b"", ("data", b"hello again")),
    ("get", {"fileName": "nope.txt"}, b"", ("error", "file not found: ROOT/nope.txt")),
    (
        "get",
        {"fileName": "a.txt/x"},
        b"",
        ("error", "error opening path ROOT/a.txt/x: open ROOT/a.txt/x: not a directory"),
    ),
    ("get", {}, b"", ("error", "error reading file ROOT: read ROOT: is a directory")),
    (
        "get",
        {"filename": "a.txt"},
        b"",
        ("error", "error reading file ROOT: read ROOT: is a directory"),
    ),
    (
        "get",
        {"fileName": "etc"},
        b"",
        ("error", "error reading file ROOT/etc: read ROOT/etc: is a directory"),
    ),
    ("get", {"fileName": "b.txt"}, b"", ("data", b"\xb5\xeb-")),
    ("get", {"fileName": "q&<>.txt"}, b"", ("data", b"test")),
    ("get", {"fileName": "d/e"}, b"", ("data", b"")),
    ("get", {"fileName": "ROOT/a.txt"}, b"", ("error", "file not found: ROOTROOT/a.txt")),
    (
        "list",
        {},
        b"",
        (
            "data",
            b'["ROOT/a.txt","ROOT/b.txt","ROOT/d/e","ROOT/etc/c.txt","ROOT/q\\u0026\\u003c\\u003e.txt"]',
        ),
    ),
    (
        "list",
        {"prefix": "a", "maxResults": "1", "marker": "b.txt"},
        b"",
        (
            "data",
            b'["ROOT/a.txt","ROOT/b.txt","ROOT/d/e","ROOT/etc/c.txt","ROOT/q\\u0026\\u003c\\u003e.txt"]',
        ),
    ),
    (
        "list",
        {"fileName": "a.txt"},
        b"",
        ("error", "unable to list files as the file specified is not a directory: ROOT/a.txt"),
    ),
    (
        "list",
        {"fileName": "nope"},
        b"",
        (
            "error",
            "error getting stats for path ROOT/nope: stat ROOT/nope: no such file or directory",
        ),
    ),
    (
        "list",
        {"fileName": "a.txt/x"},
        b"",
        ("error", "error getting stats for path ROOT/a.txt/x: stat ROOT/a.txt/x: not a directory"),
    ),
    ("list", {"fileName": "d"}, b"", ("data", b'["ROOT/d/e"]')),
    ("list", {"fileName": "/d/"}, b"", ("data", b'["ROOT/d/e"]')),
    (
        "delete",
        {"fileName": "nope"},
        b"",
        ("error", "error deleting file ROOT/nope: remove ROOT/nope: no such file or directory"),
    ),
    (
        "delete",
        {"fileName": "a.txt/x"},
        b"",
        ("error", "error deleting file ROOT/a.txt/x: remove ROOT/a.txt/x: not a directory"),
    ),
    ("delete", {}, b"", ("error", "error deleting file ROOT: remove ROOT: directory not empty")),
    ("delete", {"fileName": "a.txt"}, b"", ("none",)),
    ("delete", {"fileName": "d/e"}, b"", ("none",)),
    ("list", {"fileName": "d"}, b"", ("data", b"null")),
    ("delete", {"fileName": "d"}, b"", ("none",)),
    (
        "delete",
        {"fileName": "etc"},
        b"",
        ("error", "error deleting file ROOT/etc: remove ROOT/etc: directory not empty"),
    ),
    (
        "delete",
        {"fileName": "nope/deeper"},
        b"",
        (
            "error",
            "error deleting file ROOT/nope/deeper: remove ROOT/nope/deeper: no such file or "
            "directory",
        ),
    ),
    (
        "create",
        {"fileName": "x\x00y"},
        b"",
        (
            "error",
            "error getting absolute path for file x\x00y: lstat ROOT//x\x00y: invalid argument",
        ),
    ),
    (
        "list",
        {},
        b"",
        ("data", b'["ROOT/b.txt","ROOT/etc/c.txt","ROOT/q\\u0026\\u003c\\u003e.txt"]'),
    ),
    ("setup", "dir", "real"),
    ("setup", "file", "real/f.txt", b"inside"),
    ("setup", "link", "abs", "/real"),
    ("setup", "link", "up", "../../../real"),
    ("setup", "link", "out", "/OUTSIDE"),
    ("setup", "link", "loop1", "loop2"),
    ("setup", "link", "loop2", "loop1"),
    ("setup", "link", "dangling", "/nowhere/x"),
    ("get", {"fileName": "abs/f.txt"}, b"", ("data", b"inside")),
    ("get", {"fileName": "up/f.txt"}, b"", ("data", b"inside")),
    ("create", {"fileName": "out/f"}, b"stays inside", ("data", b'{"fileName":"OUTSIDE/f"}')),
    ("get", {"fileName": "out/f"}, b"", ("data", b"stays inside")),
    ("create", {"fileName": "dangling"}, b"dd", ("data", b'{"fileName":"nowhere/x"}')),
    ("get", {"fileName": "nowhere/x"}, b"", ("data", b"dd")),
    (
        "get",
        {"fileName": "loop1"},
        b"",
        (
            "error",
            "error getting absolute path for file loop1: SecureJoin ROOT/loop1: too many "
            "levels of symbolic links",
        ),
    ),
    (
        "create",
        {"fileName": "loop1/x"},
        b"",
        (
            "error",
            "error getting absolute path for file loop1/x: SecureJoin ROOT/loop1/x: too many "
            "levels of symbolic links",
        ),
    ),
    ("list", {"fileName": "abs"}, b"", ("data", b'["ROOT/real/f.txt"]')),
    (
        "list",
        {},
        b"",
        (
            "data",
            b'["ROOT/abs","ROOT/b.txt","ROOT/dangling","ROOT/etc/c.txt","ROOT/loop1","ROOT/loop2","ROOT/nowhere/x","ROOT/out","ROOT/q\\u0026\\u003c\\u003e.txt","ROOT/real/f.txt","ROOT/OUTSIDE/f","ROOT/up"]',
        ),
    ),
    (
        "delete",
        {"fileName": "abs"},
        b"",
        ("error", "error deleting file ROOT/real: remove ROOT/real: directory not empty"),
    ),
    ("setup", "rmroot"),
    ("get", {"fileName": "x"}, b"", ("error", "file not found: ROOT/x")),
    (
        "list",
        {},
        b"",
        ("error", "error getting stats for path ROOT: stat ROOT: no such file or directory"),
    ),
    (
        "delete",
        {"fileName": "x"},
        b"",
        ("error", "error deleting file ROOT/x: remove ROOT/x: no such file or directory"),
    ),
    ("create", {"fileName": "again/y.txt"}, b"12345678", ("data", b'{"fileName":"again/y.txt"}')),
    ("list", {}, b"", ("data", b'["ROOT/again/y.txt"]')),
    ("get", {"fileName": "again/y.txt"}, b"", ("data", b"\xd7m\xf8\xe7\xae\xfc")),
    ("setup", "dir", "sub/empty"),
    ("setup", "file", "sub/z", b""),
    ("setup", "file", "sub.txt", b""),
    ("setup", "file", "sub/a", b""),
    ("list", {}, b"", ("data", b'["ROOT/again/y.txt","ROOT/sub/a","ROOT/sub/z","ROOT/sub.txt"]')),
    ("get", {"fileName": "sub/z"}, b"", ("data", b"")),
    ("delete", {"fileName": "sub/empty"}, b"", ("none",)),
    ("list", {"fileName": "sub"}, b"", ("data", b'["ROOT/sub/a","ROOT/sub/z"]')),
    ("create", {"fileName": "bin"}, b"\x00\xff\xfe'", ("data", b'{"fileName":"bin"}')),
    ("get", {"fileName": "bin"}, b"", ("data", b"\x00\xff\xfe'")),
]


def component(root_path: str, key: str = "rootPath") -> Component:
    metadata = {key: root_path}
    return Component("files", "bindings.localstorage", "v1", metadata, Path("ls.yaml"), 3)


async def started(root_path: str) -> LocalStorageOutput:
    binding = LocalStorageOutput()
    await binding.init(component(root_path))
    return binding


def _setup(root: Path, outside: str, kind: str, *args: Any) -> None:
    if kind == "dir":
        (root / args[0]).mkdir(parents=True)
    elif kind == "file":
        (root / args[0]).parent.mkdir(parents=True, exist_ok=True)
        (root / args[0]).write_bytes(args[1])
    elif kind == "link":
        os.symlink(args[1].replace("ROOT", str(root)).replace("OUTSIDE", outside), root / args[0])
    elif kind == "rmroot":
        shutil.rmtree(root)


async def test_every_step_answers_as_daprds_component(tmp_path: Path) -> None:
    root, outside_dir = tmp_path / "root", tmp_path / "outside"
    outside_dir.mkdir()
    outside = str(outside_dir).lstrip("/")
    binding = await started(str(root))

    def ours(text: str) -> str:
        return text.replace("ROOT", str(root)).replace("OUTSIDE", outside)

    for step in SCRIPT:
        if step[0] == "setup":
            _setup(root, outside, *step[1:])
            continue
        operation, metadata, data, expected = step
        request = InvokeRequest(data, {k: ours(v) for k, v in metadata.items()}, operation)
        if expected[0] == "error":
            with pytest.raises(BindingInvokeError) as caught:
                await binding.invoke(request)
            assert str(caught.value) == ours(expected[1]), step
            continue
        response = await binding.invoke(request)
        if expected[0] == "none":
            assert response is None, step
        else:
            assert response is not None, step
            assert response.data == ours(expected[1].decode("latin-1")).encode("latin-1"), step
            assert dict(response.metadata) == {}, step
    # Nothing was ever written beside the root, whatever the names and links said.
    assert list(outside_dir.iterdir()) == []


async def test_a_name_too_long_for_the_file_system(tmp_path: Path) -> None:
    binding = await started(str(tmp_path))
    name = "n" * 300
    for operation in ("create", "get", "delete", "list"):
        with pytest.raises(BindingInvokeError) as caught:
            await binding.invoke(InvokeRequest(b"", {"fileName": name}, operation))
        assert str(caught.value) == (
            f"error getting absolute path for file {name}: "
            f"lstat {tmp_path}//{name}: file name too long"
        )


async def test_create_without_a_name_uses_a_fresh_uuid(tmp_path: Path) -> None:
    binding = await started(str(tmp_path))
    names = set()
    for _ in range(2):
        response = await binding.invoke(InvokeRequest(b"x", {}, "create"))
        assert response is not None
        name = response.data.decode()[len('{"fileName":"') : -2]
        assert uuid.UUID(name).version == 4
        assert (tmp_path / name).read_bytes() == b"x"
        names.add(name)
    assert len(names) == 2
    # An empty fileName is no name either.
    response = await binding.invoke(InvokeRequest(b"y", {"fileName": ""}, "create"))
    assert response is not None and len(response.data) == len('{"fileName":""}') + 36


async def test_a_large_file_round_trips(tmp_path: Path) -> None:
    binding = await started(str(tmp_path))
    payload = os.urandom(3 << 20) + b"\x00"  # not base64, not a Go literal
    await binding.invoke(InvokeRequest(payload, {"fileName": "big.bin"}, "create"))
    response = await binding.invoke(InvokeRequest(b"", {"fileName": "big.bin"}, "get"))
    assert response is not None and response.data == payload


async def test_create_replaces_a_file_and_makes_folders(tmp_path: Path) -> None:
    binding = await started(str(tmp_path))
    await binding.invoke(InvokeRequest(b"first, longer", {"fileName": "a/b/c.txt"}, "create"))
    await binding.invoke(InvokeRequest(b"second", {"fileName": "a/b/c.txt"}, "create"))
    assert (tmp_path / "a/b/c.txt").read_bytes() == b"second"
    # Folders and files get daprd's modes (0777 and 0666) less the process umask.
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a/b").stat().st_mode & 0o777 == 0o777 & ~umask
    assert (tmp_path / "a/b/c.txt").stat().st_mode & 0o777 == 0o666 & ~umask


async def test_get_of_a_fifo_without_writer_does_not_hang(tmp_path: Path) -> None:
    # daprd would block in open(2) until a writer came; daprlite reads what is there: nothing.
    binding = await started(str(tmp_path))
    os.mkfifo(tmp_path / "pipe")
    response = await asyncio.wait_for(
        binding.invoke(InvokeRequest(b"", {"fileName": "pipe"}, "get")), 10
    )
    assert response is not None and response.data == b""


# ---------------------------------------------------------------------------------------------
# Init: rootPath checked, made when missing.


async def test_init_makes_the_missing_root_with_its_parents(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet" / "there"
    binding = LocalStorageOutput()
    await binding.init(component(str(root), key="ROOTPATH"))  # keys are case-insensitive
    assert root.is_dir()
    await binding.close()


@pytest.fixture
def linked_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory holds `link` -> `real`; returns real's resolved path."""
    monkeypatch.chdir(tmp_path)
    real = tmp_path.resolve() / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    return real


async def test_init_resolves_a_relative_root_against_the_working_directory(
    linked_cwd: Path,
) -> None:
    real = linked_cwd
    binding = await started("link/./data/")
    response = await binding.invoke(InvokeRequest(b"x", {"fileName": "f"}, "create"))
    assert response is not None
    listing = await binding.invoke(InvokeRequest(b"", {}, "list"))
    assert listing is not None
    assert listing.data == f'["{real}/data/f"]'.encode()


@pytest.mark.parametrize(
    ("root_path", "reason"),
    [
        ("", "must not be empty"),
        ("/proc", "points to a disallowed location: /proc is within /proc"),
        ("/sys/fs/x", "points to a disallowed location: /sys/fs/x is within /sys"),
        ("/boot", "points to a disallowed location: /boot is within /boot"),
    ],
)
async def test_init_refuses_a_bad_root_naming_file_and_line(root_path: str, reason: str) -> None:
    binding = LocalStorageOutput()
    with pytest.raises(MetadataError) as caught:
        await binding.init(component(root_path))
    assert str(caught.value).startswith(
        f"ls.yaml:3: component files: metadata field 'rootPath' {reason}"
    )


async def test_init_refuses_a_missing_root_path_key() -> None:
    binding = LocalStorageOutput()
    with pytest.raises(MetadataError, match="metadata field 'rootPath' must not be empty"):
        await binding.init(Component("files", "bindings.localstorage", "v1", {}, Path("x"), 1))


async def test_init_refuses_a_file_and_a_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(MetadataError, match="'rootPath' represents a file and not a directory"):
        await started(str(tmp_path / "f"))
    with pytest.raises(MetadataError) as caught:
        await started(str(tmp_path / "f" / "sub"))
    assert str(caught.value).endswith(
        f"cannot be used: error getting stat for path {tmp_path}/f/sub: "
        f"stat {tmp_path}/f/sub: not a directory"
    )


async def test_init_names_the_folder_it_could_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root here, so a real permission error cannot be provoked; the OS's refusal
    # is stood in for at the one call that makes the folder.
    def refuse(path: str, mode: int, exist_ok: bool) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(output_module.os, "makedirs", refuse)
    with pytest.raises(ComponentInitError) as caught:
        await started(str(tmp_path / "new"))
    assert str(caught.value) == (
        "[INIT_COMPONENT_FAILURE]: initialization error occurred for files "
        f"(bindings.localstorage/v1): unable to create directory specified by 'rootPath' "
        f"{tmp_path}/new: mkdir {tmp_path}/new: permission denied"
    )


# ---------------------------------------------------------------------------------------------
# The event loop: every file-system call happens in a worker thread.


async def test_no_file_system_work_runs_on_the_event_loop_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    seen: list[tuple[str, int]] = []

    def spy(name: str) -> Any:
        real = getattr(output_module, name)

        def wrapper(*args: Any) -> Any:
            seen.append((name, threading.get_ident()))
            return real(*args)

        return wrapper

    for name in ("validate_root_path", "secure_join", "file_content", "write_file"):
        monkeypatch.setattr(output_module, name, spy(name))
    for name in ("read_file", "remove", "list_files"):
        monkeypatch.setattr(output_module, name, spy(name))
    binding = await started(str(tmp_path))
    for operation in ("create", "get", "list", "delete"):
        metadata = {} if operation == "list" else {"fileName": "f"}
        await binding.invoke(InvokeRequest(b"x", metadata, operation))
    called = {name for name, _ in seen}
    assert called == {
        "validate_root_path",
        "secure_join",
        "file_content",
        "write_file",
        "read_file",
        "remove",
        "list_files",
    }
    assert all(thread != loop_thread for _, thread in seen)

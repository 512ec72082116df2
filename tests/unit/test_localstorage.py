"""bindings.localstorage's rules one at a time: what `create` writes for the data it is given,
how `rootPath` is checked, and where a `fileName` leads (never outside the root).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daprlite.bindings.localstorage import files
from daprlite.bindings.localstorage.payload import file_content
from daprlite.bindings.localstorage.rootpath import (
    DISALLOWED,
    RootPathError,
    validate_root_path,
)
from daprlite.bindings.localstorage.securejoin import (
    JoinError,
    relative_to,
    secure_join,
)
from daprlite.gocompat.json import encode

# ---------------------------------------------------------------------------------------------
# The data rule: unquote a Go string literal, then decode valid padded base64.

# (what the app sent as JSON `data` over HTTP, what the file holds). The HTTP API hands the
# binding `data` re-encoded by Go's json.Marshal, so the binding sees a JSON string with quotes.
HTTP_CASES = [
    ('"hello world"', b"hello world"),  # a space is not base64: kept
    ('"abc"', b"abc"),  # 3 characters: not a multiple of 4, kept
    ('"hello"', b"hello"),
    ('""', b""),
    ('"test"', b"\xb5\xeb-"),  # 4 letters: decoded to 3 bytes (components-contrib#3391)
    ('"TODO"', b"L\xe0\xce"),
    ('"2024"', b"\xdbM\xb8"),
    ('"password"', b"\xa5\xab,\xc2\x8a\xdd"),  # 8 letters
    ('"ab\\ncd"', b"i\xb7\x1d"),  # a line break is skipped by Go's decoder: "abcd"
    ('"hi=="', b"\x86"),  # 2 characters and padding
    ('"dGVzdA=="', b"test"),  # the way to store text safely: base64 it first
    ("1234", b"\xd7m\xf8"),  # a JSON number of 4 digits
    ("12345", b"12345"),
    ("true", b"\xb6\xbb\x9e"),
    ("false", b"false"),
    ("null", b"\x9e\xe9e"),  # what an omitted `data` becomes
    ('{"a":1}', b'{"a":1}'),
    ('"\\u003cb\\u003e"', b"<b>"),  # Go's HTML-safe escapes are undone by the unquote
    ('"caf\\u00e9"', "café".encode()),
]


@pytest.mark.parametrize(("http_data", "written"), HTTP_CASES)
def test_create_data_rule_for_what_http_delivers(http_data: str, written: bytes) -> None:
    assert file_content(http_data.encode()) == written


# gRPC passes the bytes as given: the rule still applies to them.
GRPC_CASES = [
    (b"test data", b"test data"),
    (b"test", b"\xb5\xeb-"),
    (b'"quoted"', b"quoted"),
    (b"`raw`", b"raw"),
    (b"'x'", b"x"),
    (b"\xff\x00binary", b"\xff\x00binary"),
    (b"", b""),
    (b"aGk=", b"hi"),
]


@pytest.mark.parametrize(("sent", "written"), GRPC_CASES)
def test_create_data_rule_for_grpc_bytes(sent: bytes, written: bytes) -> None:
    assert file_content(sent) == written


def test_data_rule_decodes_once_after_unquoting() -> None:
    # base64 of base64 is decoded one level only; a quoted string is unquoted one level only.
    assert file_content(b'"ZEdWemRBPT0="') == b"dGVzdA=="
    assert file_content(b'"\\"x\\""') == b'"x"'


# ---------------------------------------------------------------------------------------------
# rootPath: the cases of upstream's TestValidateRootPath (bindings/localstorage), replayed.


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for folder in ("aaa/bbb", "aaa/ccc", "zzz/aaa", "notgood"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "zzz/link").symlink_to(tmp_path / "aaa/bbb")
    (tmp_path / "aaa/notgood").symlink_to(tmp_path / "notgood")
    (tmp_path / "aaa/file").write_bytes(b"")
    return tmp_path


def _resolved(*parts: str | Path) -> str:
    return os.path.realpath(os.path.join(*parts))


def test_validate_root_path_replays_upstream_table(tree: Path) -> None:
    cwd = os.getcwd()
    bad = ("/notgood", _resolved(tree, "notgood"))
    ok = {
        "path": os.path.join(cwd, "path"),
        "../path": os.path.normpath(os.path.join(cwd, "..", "path")),
        f"{tree}/aaa/bbb": _resolved(tree, "aaa/bbb"),
        f"{tree}/zzz/aaa": _resolved(tree, "zzz/aaa"),
        f"{tree}/zzz/foo": os.path.join(_resolved(tree, "zzz"), "foo"),
        f"{tree}/zzz/aaa/deep/deep": os.path.join(_resolved(tree, "zzz/aaa"), "deep/deep"),
        f"{tree}/zzz/link": _resolved(tree, "aaa/bbb"),
        f"{tree}/zzz/link/sub": os.path.join(_resolved(tree, "aaa/bbb"), "sub"),
    }
    for raw, expected in ok.items():
        assert validate_root_path(raw, bad) == expected, raw
    refused = {
        "": "must not be empty",
        f"{tree}/aaa/file": "not a directory",
        f"{tree}/aaa/file/2": "not a directory",
        "/notgood": "disallowed location",
        "/notgood/foo": "disallowed location",
        f"{tree}/notgood": "disallowed location",
        f"{tree}/notgood/foo": "disallowed location",
        f"{tree}/aaa/notgood": "disallowed location",  # a symlink into a refused folder
        f"{tree}/aaa/notgood/foo": "disallowed location",
    }
    for raw, words in refused.items():
        with pytest.raises(RootPathError, match=words):
            validate_root_path(raw, bad)


def test_daprd_refuses_the_system_folders() -> None:
    assert DISALLOWED == ("/proc", "/sys", "/boot", "/var/run/secrets")
    for raw in ("/proc", "/proc/self/x", "/sys", "/sys/kernel/new", "/boot/", "//proc/../sys"):
        with pytest.raises(RootPathError, match="disallowed location"):
            validate_root_path(raw)


def test_refusal_compares_the_resolved_path_with_each_folder(tmp_path: Path) -> None:
    # "/var/run/secrets" is refused as written only where /var/run is a real folder: daprd
    # compares after resolving links, and on most Linux systems /var/run links to /run.
    secrets = tmp_path / "var/run/secrets"
    refused = (str(secrets),)
    for raw in (secrets, secrets / "kubernetes.io", tmp_path / "var/run/./secrets/x"):
        with pytest.raises(RootPathError, match="disallowed location"):
            validate_root_path(str(raw), refused)
    assert validate_root_path(f"{secrets}x", refused) == f"{secrets}x"  # a prefix of a name


def test_root_path_is_cleaned_the_go_way(tmp_path: Path) -> None:
    assert validate_root_path(f"/{tmp_path}//a/./b/../", ()) == f"{tmp_path}/a"


# ---------------------------------------------------------------------------------------------
# fileName: resolved with SecureJoin's rules.


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "root"
    (base / "real").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    return base


@pytest.mark.parametrize(
    ("name", "inside"),
    [
        ("a.txt", "a.txt"),
        ("", ""),
        (".", ""),
        ("/", ""),
        ("..", ""),
        ("../../../etc/passwd", "etc/passwd"),
        ("/etc/passwd", "etc/passwd"),
        ("a/../../b", "b"),
        ("a//b/./c/", "a/b/c"),
        ("missing/deeper/x", "missing/deeper/x"),
    ],
)
def test_names_stay_inside_the_root(root: Path, name: str, inside: str) -> None:
    expected = str(root / inside) if inside else str(root)
    assert secure_join(str(root), name) == expected
    assert relative_to(str(root), expected) == (inside or ".")


def test_symbolic_links_are_read_as_if_the_root_were_slash(root: Path) -> None:
    r = str(root)
    (root / "abs").symlink_to("/real")  # absolute: starts again at the root
    (root / "up").symlink_to("../../../../real")  # `..` stops at the root
    (root / "out").symlink_to(root.parent / "outside")  # absolute target outside the root
    (root / "real/back").symlink_to("..")
    assert secure_join(r, "abs/f") == f"{r}/real/f"
    assert secure_join(r, "up/f") == f"{r}/real/f"
    assert secure_join(r, "out/f") == f"{r}{root.parent}/outside/f"
    assert secure_join(r, "real/back/real/back/real/h") == f"{r}/real/h"
    # After the link, `back` is looked up at the root, where it does not exist: taken as is.
    assert secure_join(r, "real/back/back/real/g") == f"{r}/back/real/g"


def test_a_symbolic_link_loop_is_an_error(root: Path) -> None:
    (root / "l1").symlink_to("l2")
    (root / "l2").symlink_to("l1")
    with pytest.raises(JoinError, match=r"SecureJoin .*/l1/x: too many levels of symbolic links"):
        secure_join(str(root), "l1/x")


def test_root_slash_gives_relative_names_without_a_leading_slash() -> None:
    assert relative_to("/", "/x/y") == "x/y"
    assert relative_to("/", "/") == "."


# ---------------------------------------------------------------------------------------------
# The file operations refuse a folder that became a symbolic link after the name was resolved.


def test_a_link_swapped_in_after_resolving_is_not_followed(root: Path) -> None:
    outside = root.parent / "outside"
    (outside / "secret").write_bytes(b"keep out")
    (root / "sub").symlink_to(outside)  # as if a folder `sub` had been replaced meanwhile
    r = str(root)
    with pytest.raises(files.FileError, match="not a directory"):
        files.write_file(r, f"{r}/sub/new.txt", b"x")
    with pytest.raises(files.FileError, match="error opening path"):
        files.read_file(r, f"{r}/sub/secret")
    with pytest.raises(files.FileError, match="error deleting file"):
        files.remove(r, f"{r}/sub/secret")
    with pytest.raises(files.FileError, match="error getting stats"):
        files.list_files(r, f"{r}/sub/x")
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_bytes() == b"keep out"


def test_a_final_link_is_neither_written_through_nor_listed_into(root: Path) -> None:
    outside = root.parent / "outside"
    (outside / "target").write_bytes(b"keep out")
    (root / "f").symlink_to(outside / "target")
    (root / "d").symlink_to(outside)
    r = str(root)
    with pytest.raises(files.FileError, match="too many levels of symbolic links"):
        files.write_file(r, f"{r}/f", b"x")
    with pytest.raises(files.FileError, match="too many levels of symbolic links"):
        files.read_file(r, f"{r}/f")
    with pytest.raises(files.FileError, match="not a directory"):
        files.list_files(r, f"{r}/d")
    # Listing the root shows the links as entries, as Go's Walk does, without entering them.
    assert files.list_files(r, r) == [f"{r}/d", f"{r}/f"]
    assert (outside / "target").read_bytes() == b"keep out"


def test_list_order_is_go_walk_order(root: Path) -> None:
    for name in ("b", "a.txt", "a/z", "a/b/c", "B", "a-"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    r = str(root)
    found = files.list_files(r, r)
    # Names sorted bytewise; a folder's entries appear where the folder's own name sorts.
    assert found == [f"{r}/{n}" for n in ("B", "a/b/c", "a/z", "a-", "a.txt", "b")]
    assert encode(found).startswith(b'["')

"""The Go rules bindings.localstorage depends on, held against Go's own answers, one row each.

Every expected value was printed by Go 1.26 calling the function the table names
(strconv.Unquote, base64.StdEncoding.DecodeString, filepath.Clean/Dir/Join,
syscall.Errno.Error on linux/amd64); None stands for Go's error. None was worked out by hand.
"""

from __future__ import annotations

import pytest

from daprlite.gocompat.b64 import std_decode
from daprlite.gocompat.filepath import clean, dir_name, join
from daprlite.gocompat.oserror import errno_text, path_error
from daprlite.gocompat.strconv import unquote

# (input, strconv.Unquote(input) or None on ErrSyntax)
UNQUOTE = [
    (b"", None),
    (b'"', None),
    (b'""', b""),
    (b"''", b""),
    (b"``", b""),
    (b'"hello"', b"hello"),
    (b"hello", None),
    (b'"a"b"', None),
    (b'"a\\"b"', b'a"b'),
    (b'"abc\\"', None),
    (b'"a\nb"', None),
    (b'"a\rb"', b"a\rb"),
    (b"'a'", b"a"),
    (b"'ab'", None),
    (b"'\xff'", b"\xef\xbf\xbd"),
    (b'"\xff"', b"\xef\xbf\xbd"),
    (b'"\xff\\n"', b"\xef\xbf\xbd\n"),
    (b"'\"'", b'"'),
    (b'"\'"', b"'"),
    (b'"\\\'"', None),
    (b"'\\''", b"'"),
    (b"'\\\"'", None),
    (b"`a\rb`", b"ab"),
    (b"`a`b`", None),
    (b"`\xff`", b"\xff"),
    (b'"\\u003c\\u0026\\u003e"', b"<&>"),
    (b'"\\x41\\xff"', b"A\xff"),
    (b'"\\101\\377"', b"A\xff"),
    (b'"\\400"', None),
    (b'"\\u00e9\\U0001F600"', b"\xc3\xa9\xf0\x9f\x98\x80"),
    (b'"\\ud800"', None),
    (b'"\\U00110000"', None),
    (b'"\\a\\b\\f\\n\\r\\t\\v\\\\"', b"\x07\x08\x0c\n\r\t\x0b\\"),
    (b'"\\q"', None),
    (b'"\\x4"', None),
    (b'"\\u12"', None),
    (b'"\\12"', None),
    (b'"\xc3\xa9"', b"\xc3\xa9"),
    (b"'\xc3\xa9'", b"\xc3\xa9"),
    (b"'\xe2\x82'", None),
    (b'"\xe2\x82a"', b"\xef\xbf\xbd\xef\xbf\xbda"),
    (b'"\xed\xa0\x80"', b"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
    (b"'\xef\xbf\xbd'", b"\xef\xbf\xbd"),
    (b'"test"', b"test"),
    (b'"dGVzdA=="', b"dGVzdA=="),
    (b"null", None),
    (b"1234", None),
    (b"'", None),
    (b'"\\"', None),
    (b'"a"x', None),
    (b'x"a"', None),
    (b"'\\n'", b"\n"),
    (b"'\n'", None),
    (b'"\xc0\x80"', b"\xef\xbf\xbd\xef\xbf\xbd"),
    (b'"\\u2028"', b"\xe2\x80\xa8"),
    (b'"tab\there"', b"tab\there"),
    (b'"\x00"', b"\x00"),
]

# (input, base64.StdEncoding.DecodeString(input) or None on CorruptInputError)
BASE64 = [
    (b"", b""),
    (b"test", b"\xb5\xeb-"),
    (b"dGVzdA==", b"test"),
    (b"dGVzdA=", None),
    (b"dGVzdA", None),
    (b"dGVzdA==\n", b"test"),
    (b"dGVz\ndA==", b"test"),
    (b"dGVzdA=\n=", b"test"),
    (b"dG\rVz", b"tes"),
    (b"QR==", b"A"),
    (b"QUI=", b"AB"),
    (b"QUJD", b"ABC"),
    (b"QUJDRA==QUJD", None),
    (b"AAAA=", None),
    (b"A===", None),
    (b"====", None),
    (b"A", None),
    (b"AB", None),
    (b"ABC", None),
    (b"AB=C", None),
    (b"ab+/", b"i\xbf\xbf"),
    (b"ab-_", None),
    (b"null", b"\x9e\xe9e"),
    (b"true", b"\xb6\xbb\x9e"),
    (b"1234", b"\xd7m\xf8"),
    (b"test data", None),
    (b"hello", None),
    (b"abcd\nefgh", b"i\xb7\x1dy\xf8!"),
    (b"\n", b""),
    (b"\r\n\r\n", b""),
    (b"QQ==\r\n", b"A"),
    (b"QUJDREVGR0g=", b"ABCDEFGH"),
    (b"QUJDREVGR0hJ", b"ABCDEFGHI"),
    (b" dGVzdA==", None),
    (b"dGVzdA== ", None),
    (b"Zm9vYmFy\n\n", b"foobar"),
    (b"AAAAAAAA", b"\x00\x00\x00\x00\x00\x00"),
    (b"////", b"\xff\xff\xff"),
    (b"+++/", b"\xfb\xef\xbf"),
    (b"YQ", None),
    (b"YQ=", None),
    (b"YWI", None),
    (b"password", b"\xa5\xab,\xc2\x8a\xdd"),
    (b"username", b"\xba\xc7\xab\x9d\xa9\x9e"),
    (b"TODO", b"L\xe0\xce"),
    (b"2024", b"\xdbM\xb8"),
]

# (input, filepath.Clean(input))
CLEAN = [
    ("", "."),
    (".", "."),
    ("/", "/"),
    ("//", "/"),
    ("///", "/"),
    ("//a", "/a"),
    ("///a//b", "/a/b"),
    ("a/", "a"),
    ("a//b", "a/b"),
    ("./a", "a"),
    ("../a", "../a"),
    ("a/../..", ".."),
    ("/..", "/"),
    ("/../a", "/a"),
    ("a/./b/", "a/b"),
    ("/a/b/../c/.", "/a/c"),
    ("..", ".."),
    ("a/..", "."),
    ("  ", "  "),
    ("/a/ b", "/a/ b"),
]

# (input, filepath.Dir(input))
DIR = [
    ("", "."),
    ("a", "."),
    ("/a", "/"),
    ("/a/b", "/a"),
    ("a/b/", "a/b"),
    ("/", "/"),
    ("//a", "/"),
    ("a//b", "a"),
]

# (elements, filepath.Join(elements...))
JOIN = [
    (["/a", "b"], "/a/b"),
    (["/a", ""], "/a"),
    (["", ""], ""),
    (["", "x"], "x"),
    (["/", "x"], "/x"),
    (["/r", "/"], "/r"),
    (["/r", "/x/../.."], "/"),
    (["a", "../.."], ".."),
]

# (n, syscall.Errno(n).Error())
ERRNO = [
    (1, "operation not permitted"),
    (2, "no such file or directory"),
    (5, "input/output error"),
    (9, "bad file descriptor"),
    (12, "cannot allocate memory"),
    (13, "permission denied"),
    (16, "device or resource busy"),
    (17, "file exists"),
    (18, "invalid cross-device link"),
    (20, "not a directory"),
    (21, "is a directory"),
    (22, "invalid argument"),
    (24, "too many open files"),
    (27, "file too large"),
    (28, "no space left on device"),
    (30, "read-only file system"),
    (36, "file name too long"),
    (39, "directory not empty"),
    (40, "too many levels of symbolic links"),
    (41, "errno 41"),
    (58, "errno 58"),
    (73, "RFS specific error"),
    (95, "operation not supported"),
    (122, "disk quota exceeded"),
    (133, "errno 133"),
]


@pytest.mark.parametrize(("text", "expected"), UNQUOTE)
def test_unquote_matches_go(text: bytes, expected: bytes | None) -> None:
    assert unquote(text) == expected


@pytest.mark.parametrize(("text", "expected"), BASE64)
def test_std_base64_decode_matches_go(text: bytes, expected: bytes | None) -> None:
    assert std_decode(text) == expected


@pytest.mark.parametrize(("path", "expected"), CLEAN)
def test_clean_matches_go(path: str, expected: str) -> None:
    assert clean(path) == expected


@pytest.mark.parametrize(("path", "expected"), DIR)
def test_dir_matches_go(path: str, expected: str) -> None:
    assert dir_name(path) == expected


@pytest.mark.parametrize(("elems", "expected"), JOIN)
def test_join_matches_go(elems: list[str], expected: str) -> None:
    assert join(*elems) == expected


@pytest.mark.parametrize(("code", "expected"), ERRNO)
def test_errno_text_matches_go(code: int, expected: str) -> None:
    assert errno_text(code) == expected


def test_path_error_is_op_path_colon_errno() -> None:
    # fmt.Println(&fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT})
    assert path_error("open", "/x", FileNotFoundError(2, "No such file")) == (
        "open /x: no such file or directory"
    )

"""bindings.localstorage through a real in-process sidecar, on real files, over both APIs:
HTTP `POST /v1.0/bindings/files` and gRPC `InvokeBinding` via the official Python SDK.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from daprlite.model.errors import MetadataError
from tests.integration.localstorage_sidecar import (
    NAME,
    GrpcFailure,
    Running,
    error_json,
    running,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
async def api(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Running]:
    async with running(tmp_path, monkeypatch, str(root)) as sidecar:
        yield sidecar


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def remove_folder(folder: Path) -> None:
    folder.rmdir()


def _no_metadata_headers(headers: dict[str, str]) -> bool:
    return not any(key.lower().startswith("metadata.") for key in headers)


# ---------------------------------------------------------------------------------------------
# create


async def test_create_over_http_answers_200_with_the_relative_name(
    api: Running, root: Path
) -> None:
    reply = await api.http("create", {"fileName": "orders/1.json"}, {"id": 1, "item": "<tea>"})
    assert reply.status == 200
    assert reply.body == b'{"fileName":"orders/1.json"}'
    assert reply.headers["Content-Type"] == "application/json"
    assert _no_metadata_headers(dict(reply.headers))
    # HTTP re-encodes `data` as Go does: sorted keys, compact, `<` and `>` escaped.
    assert (root / "orders/1.json").read_bytes() == b'{"id":1,"item":"\\u003ctea\\u003e"}'


async def test_create_over_grpc_answers_with_the_relative_name(api: Running, root: Path) -> None:
    response = await api.grpc("create", {"fileName": "orders/2.bin"}, b"\x00\xffraw bytes")
    assert not isinstance(response, GrpcFailure)
    assert response.data == b'{"fileName":"orders/2.bin"}'
    assert response.binding_metadata == {}
    assert (root / "orders/2.bin").read_bytes() == b"\x00\xffraw bytes"


async def test_a_json_string_is_unquoted_over_http_and_raw_bytes_kept_over_grpc(
    api: Running, root: Path
) -> None:
    await api.http("create", {"fileName": "h.txt"}, "hello world")
    await api.grpc("create", {"fileName": "g.txt"}, b"hello world")
    await api.grpc("create", {"fileName": "q.txt"}, b'"hello world"')  # unquoted too
    for name in ("h.txt", "g.txt", "q.txt"):
        assert (root / name).read_bytes() == b"hello world"


@pytest.mark.parametrize(
    ("data", "written"),
    [
        ("test", b"\xb5\xeb-"),  # components-contrib#3391: a 4-letter word is base64
        ("TODO", b"L\xe0\xce"),
        ("ab\ncd", b"i\xb7\x1d"),  # the line break is skipped: "abcd"
        ("dGVzdA==", b"test"),  # the safe way to store text: base64 it yourself
        (1234, b"\xd7m\xf8"),
        (True, b"\xb6\xbb\x9e"),
        ("hello", b"hello"),
        ("", b""),
    ],
)
async def test_the_base64_rule_over_http(
    api: Running, root: Path, data: object, written: bytes
) -> None:
    reply = await api.http("create", {"fileName": "f"}, data)
    assert reply.status == 200
    assert (root / "f").read_bytes() == written


async def test_http_without_data_writes_the_three_bytes_of_decoded_null(
    api: Running, root: Path
) -> None:
    # No `data` is JSON null, written by Go as `null`: valid base64 for three bytes.
    for name, payload in (("omitted", ...), ("null", None)):
        reply = await api.http("create", {"fileName": name}, payload)
        assert reply.status == 200
        assert (root / name).read_bytes() == b"\x9e\xe9e"


async def test_the_base64_rule_over_grpc(api: Running, root: Path) -> None:
    await api.grpc("create", {"fileName": "a"}, b"test")
    await api.grpc("create", {"fileName": "b"}, "aGk=")
    assert (root / "a").read_bytes() == b"\xb5\xeb-"
    assert (root / "b").read_bytes() == b"hi"


async def test_create_without_file_name_generates_a_uuid_on_both_apis(
    api: Running, root: Path
) -> None:
    http = await api.http("create", None, "x")
    grpc_reply = await api.grpc("create", {}, b"y")
    assert not isinstance(grpc_reply, GrpcFailure)
    # The key is read exactly as `fileName`: other spellings are not the name.
    other = await api.http("create", {"filename": "ignored.txt", "FileName": "no"}, "z")
    names = [json.loads(body)["fileName"] for body in (http.body, grpc_reply.data, other.body)]
    assert all(uuid.UUID(name).version == 4 for name in names)
    assert sorted((root / n).read_bytes() for n in names) == [b"x", b"y", b"z"]


async def test_names_never_leave_the_root(api: Running, root: Path, tmp_path: Path) -> None:
    for name, inside in (
        ("../../escape.txt", "escape.txt"),
        ("/etc/passwd", "etc/passwd"),
        ("a/../../../b.txt", "b.txt"),
    ):
        reply = await api.http("create", {"fileName": name}, "aGk=")
        assert reply.json() == {"fileName": inside}
        grpc_reply = await api.grpc("create", {"fileName": name}, b"aGk=")
        assert not isinstance(grpc_reply, GrpcFailure) and grpc_reply.json() == reply.json()
        assert (root / inside).read_bytes() == b"hi"
    assert names(tmp_path) == ["components", "store"]


async def test_a_create_error_is_500_and_internal(api: Running, root: Path) -> None:
    await api.http("create", {"fileName": "file"}, "x")
    message = f"error creating directory {root}/file: mkdir {root}/file: not a directory"
    reply = await api.http("create", {"fileName": "file/inner"}, "x")
    assert (reply.status, reply.json()) == (500, error_json(NAME, message))
    failure = await api.grpc("create", {"fileName": "file/inner"}, b"x")
    assert failure == GrpcFailure(
        grpc.StatusCode.INTERNAL, f"error invoking output binding {NAME}: {message}"
    )


# ---------------------------------------------------------------------------------------------
# get


async def test_get_returns_the_raw_bytes_on_both_apis(api: Running) -> None:
    await api.grpc("create", {"fileName": "bin"}, b"\x00\xff\xfe not text")
    reply = await api.http("get", {"fileName": "bin"})
    assert (reply.status, reply.body) == (200, b"\x00\xff\xfe not text")
    assert reply.headers["Content-Type"] == "application/json"  # daprd's default
    grpc_reply = await api.grpc("get", {"fileName": "bin"})
    assert not isinstance(grpc_reply, GrpcFailure)
    assert (grpc_reply.data, grpc_reply.binding_metadata) == (b"\x00\xff\xfe not text", {})


async def test_get_of_an_empty_file_is_200_with_no_body(api: Running) -> None:
    await api.http("create", {"fileName": "empty"}, "")
    reply = await api.http("get", {"fileName": "empty"})
    assert (reply.status, reply.body) == (200, b"")
    grpc_reply = await api.grpc("get", {"fileName": "empty"})
    assert not isinstance(grpc_reply, GrpcFailure) and grpc_reply.data == b""


async def test_get_of_a_missing_file_is_file_not_found(api: Running, root: Path) -> None:
    message = f"file not found: {root}/nope.txt"
    reply = await api.http("get", {"fileName": "nope.txt"})
    assert (reply.status, reply.json()) == (500, error_json(NAME, message))
    failure = await api.grpc("get", {"fileName": "nope.txt"})
    assert failure == GrpcFailure(
        grpc.StatusCode.INTERNAL, f"error invoking output binding {NAME}: {message}"
    )


async def test_get_without_a_name_reads_the_root_folder(api: Running, root: Path) -> None:
    message = f"error reading file {root}: read {root}: is a directory"
    reply = await api.http("get", {})
    assert (reply.status, reply.json()) == (500, error_json(NAME, message))
    failure = await api.grpc("get")
    assert isinstance(failure, GrpcFailure) and failure.details.endswith(message)


async def test_a_path_from_list_does_not_work_for_get(api: Running, root: Path) -> None:
    # dapr/dapr#8869: list gives absolute paths; get reads any name inside the root.
    await api.http("create", {"fileName": "a.txt"}, "x")
    [path] = (await api.http("list")).json()
    assert path == f"{root}/a.txt"
    reply = await api.http("get", {"fileName": path})
    assert reply.json() == error_json(NAME, f"file not found: {root}{root}/a.txt")
    relative = path[len(f"{root}/") :]
    assert (await api.http("get", {"fileName": relative})).body == b"x"


# ---------------------------------------------------------------------------------------------
# delete


async def test_delete_answers_204_over_http_and_empty_over_grpc(api: Running, root: Path) -> None:
    await api.http("create", {"fileName": "one"}, "x")
    await api.http("create", {"fileName": "two"}, "x")
    reply = await api.http("delete", {"fileName": "one"})
    assert (reply.status, reply.body) == (204, b"")
    grpc_reply = await api.grpc("delete", {"fileName": "two"})
    assert not isinstance(grpc_reply, GrpcFailure)
    assert (grpc_reply.data, grpc_reply.binding_metadata) == (b"", {})
    assert names(root) == []


async def test_delete_of_a_missing_file_is_an_error(api: Running, root: Path) -> None:
    message = f"error deleting file {root}/gone: remove {root}/gone: no such file or directory"
    reply = await api.http("delete", {"fileName": "gone"})
    assert (reply.status, reply.json()) == (500, error_json(NAME, message))
    failure = await api.grpc("delete", {"fileName": "gone"})
    assert failure == GrpcFailure(
        grpc.StatusCode.INTERNAL, f"error invoking output binding {NAME}: {message}"
    )


async def test_delete_removes_an_empty_folder_but_not_a_full_one(api: Running, root: Path) -> None:
    await api.http("create", {"fileName": "full/f"}, "x")
    (root / "empty").mkdir()
    emptied = await api.grpc("delete", {"fileName": "empty"})
    assert not isinstance(emptied, GrpcFailure) and emptied.data == b""
    reply = await api.http("delete", {"fileName": "full"})
    message = f"error deleting file {root}/full: remove {root}/full: directory not empty"
    assert reply.json() == error_json(NAME, message)


# ---------------------------------------------------------------------------------------------
# list


async def test_list_gives_absolute_paths_of_every_file_in_walk_order(
    api: Running, root: Path
) -> None:
    for name in ("b.txt", "a/deep/x", "a.txt", "a/y"):
        await api.http("create", {"fileName": name}, "x")
    expected = [f"{root}/{n}" for n in ("a/deep/x", "a/y", "a.txt", "b.txt")]
    reply = await api.http("list")
    assert reply.status == 200 and reply.json() == expected
    assert reply.headers["Content-Type"] == "application/json"
    grpc_reply = await api.grpc("list")
    assert not isinstance(grpc_reply, GrpcFailure) and grpc_reply.json() == expected
    # fileName names a folder to list; daprd has no prefix / maxResults / marker options.
    sub = await api.http("list", {"fileName": "a", "prefix": "zzz", "maxResults": "1"})
    assert sub.json() == expected[:2]


async def test_list_of_an_empty_root_is_null(api: Running) -> None:
    reply = await api.http("list")
    assert (reply.status, reply.body) == (200, b"null")
    grpc_reply = await api.grpc("list")
    assert not isinstance(grpc_reply, GrpcFailure) and grpc_reply.data == b"null"


async def test_list_of_a_file_or_a_missing_folder_is_an_error(api: Running, root: Path) -> None:
    await api.http("create", {"fileName": "f"}, "x")
    cases = {
        "f": f"unable to list files as the file specified is not a directory: {root}/f",
        "none": f"error getting stats for path {root}/none: stat {root}/none: "
        "no such file or directory",
    }
    for name, message in cases.items():
        reply = await api.http("list", {"fileName": name})
        assert (reply.status, reply.json()) == (500, error_json(NAME, message))
        failure = await api.grpc("list", {"fileName": name})
        assert failure == GrpcFailure(
            grpc.StatusCode.INTERNAL, f"error invoking output binding {NAME}: {message}"
        )


# ---------------------------------------------------------------------------------------------
# The runtime's checks, and start-up


async def test_an_unsupported_operation_lists_daprds_four(api: Running) -> None:
    message = (
        f"binding {NAME} does not support operation exec. supported operations:"
        "create get list delete"
    )
    reply = await api.http("exec")
    assert (reply.status, reply.json()) == (500, error_json(NAME, message))
    failure = await api.grpc("exec")
    assert failure == GrpcFailure(
        grpc.StatusCode.INTERNAL, f"error invoking output binding {NAME}: {message}"
    )


async def test_the_component_is_listed_as_an_output_binding(api: Running) -> None:
    meta = await api.sdk(lambda client: client.get_metadata())
    [component] = meta.registered_components
    assert (component.name, component.type, component.version) == (
        NAME,
        "bindings.localstorage",
        "v1",
    )
    assert list(component.capabilities) == ["OUTPUT_BINDING"]


async def test_a_root_removed_while_running_is_made_again_by_create(
    api: Running, root: Path
) -> None:
    remove_folder(root)
    assert (await api.http("list")).status == 500
    assert (await api.http("create", {"fileName": "back/f"}, "x")).status == 200
    assert (root / "back/f").read_bytes() == b"x"


@pytest.mark.parametrize(
    ("root_path", "reason"),
    [("", "must not be empty"), ("/proc/daprlite", "points to a disallowed location")],
)
async def test_the_sidecar_does_not_start_with_a_refused_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_path: str, reason: str
) -> None:
    with pytest.raises(MetadataError) as caught:
        async with running(tmp_path, monkeypatch, root_path):
            pass
    where = f"{tmp_path}/components/localstorage.yaml:10"
    assert str(caught.value).startswith(
        f"{where}: component files: metadata field 'rootPath' {reason}"
    )

"""bindings.localstorage: upstream's certification suite and the catalog's expectations (§4),
replayed through daprlite's own APIs — each case over HTTP and over gRPC (official SDK).

localstorage has no entry in components-contrib's conformance matrix (tests.yml); its cases are
the certification test tests/certification/bindings/localstorage/localstorage_test.go (embedded
daprd, go-sdk gRPC client, no app) and the component's unit tests. The certification component
uses rootPath /tmp/dapr-cert-test/bindings.localstorage; here a temporary folder stands in for
it, since several test runs share this machine. Upstream's TestValidateRootPath table is
replayed in tests/unit/test_localstorage.py (it swaps the refused folders, which no API can do).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from daprlite.bindings.localstorage.rootpath import validate_root_path
from daprlite.model.errors import MetadataError
from tests.integration.localstorage_sidecar import GrpcFailure, Running, running

BINDING = "localstorage-binding"  # the certification component's name
FILE_NAME = "test.txt"
FILE_DATA = "test data"


@dataclass(frozen=True, slots=True)
class Outcome:
    data: bytes = b""
    error: str = ""  # the message after "error invoking output binding <name>: "
    empty: bool = False  # HTTP 204 (gRPC cannot tell it from 200 with no data)


class Api:
    """One of daprlite's two APIs, with one way to call an operation and read the outcome."""

    def __init__(self, kind: str, sidecar: Running) -> None:
        self.kind, self.sidecar = kind, sidecar

    async def invoke(
        self, operation: str, metadata: dict[str, str] | None = None, data: Any = ...
    ) -> Outcome:
        prefix = f"error invoking output binding {BINDING}: "
        if self.kind == "http":
            reply = await self.sidecar.http(operation, metadata, data)
            if reply.status == 204:
                return Outcome(empty=True)
            if reply.status == 500:
                body = reply.json()
                assert body["errorCode"] == "ERR_INVOKE_OUTPUT_BINDING"
                return Outcome(error=body["message"].removeprefix(prefix))
            assert reply.status == 200, reply
            return Outcome(reply.body)
        payload = b"" if data is ... else data if isinstance(data, bytes) else str(data).encode()
        result = await self.sidecar.grpc(operation, metadata, payload)
        if isinstance(result, GrpcFailure):
            assert result.code.name == "INTERNAL"
            return Outcome(error=result.details.removeprefix(prefix))
        return Outcome(result.data)


@pytest.fixture
def cert_dir(tmp_path: Path) -> Path:
    return tmp_path / "dapr-cert-test" / "bindings.localstorage"


@pytest.fixture(params=["http", "grpc"])
async def api(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cert_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Api]:
    async with running(tmp_path, monkeypatch, str(cert_dir), name=BINDING) as sidecar:
        yield Api(request.param, sidecar)


def clear(cert_dir: Path) -> None:
    """The certification test's clear(): os.RemoveAll of the root, after every step."""
    shutil.rmtree(cert_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# TestLocalStorage, step by step, on one sidecar (the root is removed between steps, as there).


async def test_certification_flow(api: Api, cert_dir: Path) -> None:
    # "create file and get data success"
    created = await api.invoke("create", {"fileName": FILE_NAME}, FILE_DATA)
    assert created.error == ""
    got = await api.invoke("get", {"fileName": FILE_NAME})
    assert (got.error, got.data.decode()) == ("", FILE_DATA)
    clear(cert_dir)

    # "get error when file not exists"
    missing = await api.invoke("get", {"fileName": "not-exists.txt"})
    assert "file not found:" in missing.error
    assert "not-exists.txt" in missing.error
    clear(cert_dir)

    # "delete file success"
    assert (await api.invoke("create", {"fileName": FILE_NAME}, FILE_DATA)).error == ""
    assert (await api.invoke("delete", {"fileName": FILE_NAME})).error == ""
    clear(cert_dir)

    # "list files": three creates, then list with no metadata names each of them
    names = [FILE_NAME + "1", FILE_NAME + "2", FILE_NAME + "3"]
    for name in names:
        assert (await api.invoke("create", {"fileName": name}, FILE_DATA)).error == ""
    listed = await api.invoke("list")
    assert listed.error == ""
    for name in names:
        assert name in listed.data.decode()
    clear(cert_dir)


# ---------------------------------------------------------------------------------------------
# The catalog's rows (§4), each on both APIs.


async def test_create_defaults_the_name_to_a_uuid_v4(api: Api, cert_dir: Path) -> None:
    outcome = await api.invoke("create", None, FILE_DATA)
    name = json.loads(outcome.data)["fileName"]
    assert uuid.UUID(name).version == 4
    assert (cert_dir / name).read_bytes() == FILE_DATA.encode()


async def test_create_makes_sub_folders_and_answers_the_relative_name(
    api: Api, cert_dir: Path
) -> None:
    outcome = await api.invoke("create", {"fileName": "x/y/z.txt"}, FILE_DATA)
    assert outcome.data == b'{"fileName":"x/y/z.txt"}'
    assert (cert_dir / "x/y/z.txt").read_bytes() == FILE_DATA.encode()


async def test_create_cannot_leave_the_root(api: Api, cert_dir: Path) -> None:
    outcome = await api.invoke("create", {"fileName": "../../../../outside.txt"}, FILE_DATA)
    assert outcome.data == b'{"fileName":"outside.txt"}'
    assert (cert_dir / "outside.txt").is_file()


async def test_create_decodes_base64_looking_text(api: Api, cert_dir: Path) -> None:
    # components-contrib#3391: `test` is valid base64, so the file holds three other bytes.
    await api.invoke("create", {"fileName": "t"}, "test")
    assert (cert_dir / "t").read_bytes() == b"\xb5\xeb-"
    await api.invoke("create", {"fileName": "b"}, "dGVzdCBkYXRh")
    assert (cert_dir / "b").read_bytes() == FILE_DATA.encode()


async def test_create_unquotes_a_go_string_literal(api: Api, cert_dir: Path) -> None:
    # Over HTTP the JSON string arrives quoted; over gRPC the app sent the quotes itself.
    data = "hello" if api.kind == "http" else b'"hello"'
    await api.invoke("create", {"fileName": "q"}, data)
    assert (cert_dir / "q").read_bytes() == b"hello"


async def test_http_data_omitted_is_null_decoded_to_three_bytes(
    tmp_path: Path, cert_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(tmp_path, monkeypatch, str(cert_dir), name=BINDING) as sidecar:
        reply = await sidecar.http("create", {"fileName": "n"})
    assert reply.status == 200
    assert (cert_dir / "n").read_bytes() == b"\x9e\xe9e"


async def test_get_returns_the_file_bytes_unchanged(api: Api, cert_dir: Path) -> None:
    cert_dir.joinpath("raw").write_bytes(b"\x00\x01 not base64 \xff")
    assert (await api.invoke("get", {"fileName": "raw"})).data == b"\x00\x01 not base64 \xff"


async def test_get_missing_names_the_absolute_path(api: Api, cert_dir: Path) -> None:
    outcome = await api.invoke("get", {"fileName": "sub/none.txt"})
    assert outcome.error == f"file not found: {cert_dir}/sub/none.txt"


async def test_get_of_a_folder_is_a_read_error(api: Api, cert_dir: Path) -> None:
    cert_dir.joinpath("folder").mkdir()
    outcome = await api.invoke("get", {"fileName": "folder"})
    assert outcome.error == (
        f"error reading file {cert_dir}/folder: read {cert_dir}/folder: is a directory"
    )


async def test_delete_answers_nothing_and_missing_is_an_error(api: Api, cert_dir: Path) -> None:
    await api.invoke("create", {"fileName": "d"}, FILE_DATA)
    deleted = await api.invoke("delete", {"fileName": "d"})
    assert deleted == (Outcome(empty=True) if api.kind == "http" else Outcome())
    again = await api.invoke("delete", {"fileName": "d"})
    assert again.error == (
        f"error deleting file {cert_dir}/d: remove {cert_dir}/d: no such file or directory"
    )


async def test_list_is_every_file_by_absolute_path(api: Api, cert_dir: Path) -> None:
    for name in ("top", "a/b/deep", "a/side"):
        await api.invoke("create", {"fileName": name}, FILE_DATA)
    outcome = await api.invoke("list")
    assert json.loads(outcome.data) == [f"{cert_dir}/{n}" for n in ("a/b/deep", "a/side", "top")]
    sub = await api.invoke("list", {"fileName": "a/b"})
    assert json.loads(sub.data) == [f"{cert_dir}/a/b/deep"]


async def test_list_of_an_empty_folder_is_null(api: Api) -> None:
    assert (await api.invoke("list")).data == b"null"


async def test_list_of_a_file_is_an_error(api: Api, cert_dir: Path) -> None:
    await api.invoke("create", {"fileName": "f"}, FILE_DATA)
    outcome = await api.invoke("list", {"fileName": "f"})
    assert outcome.error == (
        f"unable to list files as the file specified is not a directory: {cert_dir}/f"
    )


# ---------------------------------------------------------------------------------------------
# rootPath (the catalog's metadata row; TestParseMetadata).


def test_parse_metadata_keeps_an_absolute_root() -> None:
    # TestParseMetadata: rootPath "/files" parses to "/files" (it need not exist yet).
    assert validate_root_path("/files") == "/files"


async def test_root_is_made_at_start_with_its_parents(
    tmp_path: Path, cert_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not cert_dir.parent.exists()
    async with running(tmp_path, monkeypatch, str(cert_dir), name=BINDING) as sidecar:
        # list stats the root first: an empty listing means it is there and is a folder.
        reply = await sidecar.http("list")
    assert (reply.status, reply.body) == (200, b"null")


async def test_a_relative_root_is_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    async with running(tmp_path, monkeypatch, "data", name=BINDING) as sidecar:
        await sidecar.http("create", {"fileName": "f"}, "x")
    assert (work / "data" / "f").read_bytes() == b"x"


@pytest.mark.parametrize(
    ("root_path", "words"),
    [
        ("", "must not be empty"),
        ("/proc/dapr", "points to a disallowed location"),
        ("/sys/dapr", "points to a disallowed location"),
        ("/boot/dapr", "points to a disallowed location"),
    ],
)
async def test_a_refused_root_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_path: str, words: str
) -> None:
    with pytest.raises(MetadataError, match=f"metadata field 'rootPath' {words}"):
        async with running(tmp_path, monkeypatch, root_path, name=BINDING):
            pass


async def test_a_root_that_is_a_file_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(MetadataError, match="represents a file and not a directory"):
        async with running(tmp_path, monkeypatch, str(tmp_path / "file"), name=BINDING):
            pass

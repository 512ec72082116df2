"""The secrets API in process, HTTP and gRPC (the official SDK too), over a real local.file store:
daprd's status codes, error codes and messages, scopes, and /v1.0/metadata's listing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from dapr.clients import DaprClient
from dapr.conf import settings
from dapr.proto.runtime.v1 import dapr_pb2_grpc, secret_pb2
from yarl import URL

from daprlite.api.core import DaprAPI
from daprlite.api.grpc import start_grpc_server
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.secret_scope import SecretScope
from daprlite.model.store import CompStore
from daprlite.secretstores.registry import SecretStoreRegistry
from tests.support.http_api import APIClient

SECRETS = {"kafka-sasl": {"password": "pw-<1>&", "username": "alice"}, "token": "t-1"}
SCOPES = (
    SecretScope("scoped", allowed_secrets=("token",)),
    SecretScope("denying", default_access="deny"),
)


@dataclass
class Sidecar:
    http: APIClient
    grpc_port: int
    stub: dapr_pb2_grpc.DaprStub
    api: DaprAPI


async def file_store(tmp_path: Path, name: str, multi: bool) -> tuple[Component, Any]:
    (tmp_path / "secrets.json").write_text(json.dumps(SECRETS))
    metadata = {"secretsFile": "secrets.json", "multiValued": "true" if multi else "false"}
    component = Component(name, "secretstores.local.file", "v1", metadata, Path("s.yaml"), 1)
    store = SecretStoreRegistry().create(component.type)
    await store.init(component, tmp_path)
    return component, store


async def start(tmp_path: Path, *names: str) -> AsyncIterator[Sidecar]:
    store = CompStore()
    for name in names:
        component, secrets = await file_store(tmp_path, name, multi=name != "flat")
        store.components.append(component)
        store.secret_stores[name] = secrets
    readiness = Readiness(outbound_ready=True, app_ready=True)
    api = DaprAPI(RunConfig("checkout", secret_scopes=SCOPES), store, readiness)
    server, port = await start_grpc_server(api, 0)
    try:
        async with (
            APIClient(api) as http,
            grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel,
        ):
            yield Sidecar(http, port, dapr_pb2_grpc.DaprStub(channel), api)
    finally:
        await server.stop(None)


@pytest.fixture
async def sidecar(tmp_path: Path) -> AsyncIterator[Sidecar]:
    async for running in start(tmp_path, "vault", "flat", "scoped", "denying"):
        yield running


@pytest.fixture
async def bare(tmp_path: Path) -> AsyncIterator[Sidecar]:
    async for running in start(tmp_path):
        yield running


async def get(sidecar: Sidecar, path: str) -> tuple[int, str, bytes]:
    response = await sidecar.http.get(path)
    return response.status, response.content_type, await response.read()


async def test_get_secret_gives_its_keys_as_json_like_gos_encoder(sidecar: Sidecar) -> None:
    status, content_type, body = await get(sidecar, "/v1.0/secrets/vault/kafka-sasl")
    assert (status, content_type) == (200, "application/json")
    assert body == b'{"password":"pw-\\u003c1\\u003e\\u0026","username":"alice"}\n'
    status, _, body = await get(sidecar, "/v1.0/secrets/flat/kafka-sasl%3Apassword/")
    assert (status, json.loads(body)) == (200, {"kafka-sasl:password": "pw-<1>&"})


async def test_bulk_gives_every_secret_by_name(sidecar: Sidecar) -> None:
    status, _, body = await get(sidecar, "/v1.0/secrets/vault/bulk?metadata.namespace=x")
    assert status == 200
    assert json.loads(body) == {"kafka-sasl": SECRETS["kafka-sasl"], "token": {"token": "t-1"}}


@pytest.mark.parametrize(
    ("path", "status", "code", "message"),
    [
        (
            "/v1.0/secrets/nope/token",
            401,
            "ERR_SECRET_STORE_NOT_FOUND",
            "failed finding secret store with key nope",
        ),
        (
            "/v1.0/secrets/vault/missing",
            500,
            "ERR_SECRET_GET",
            "failed getting secret with key missing from secret store vault: secret missing "
            "not found",
        ),
        (
            "/v1.0/secrets/scoped/kafka-sasl",
            403,
            "ERR_PERMISSION_DENIED",
            'access denied by policy to get "kafka-sasl" from "scoped"',
        ),
        (
            "/v1.0/secrets/denying/token",
            403,
            "ERR_PERMISSION_DENIED",
            'access denied by policy to get "token" from "denying"',
        ),
    ],
)
async def test_http_errors_as_daprd_gives_them(
    sidecar: Sidecar, path: str, status: int, code: str, message: str
) -> None:
    got_status, _, body = await get(sidecar, path)
    assert (got_status, json.loads(body)) == (status, {"errorCode": code, "message": message})


async def test_scopes_filter_bulk(sidecar: Sidecar) -> None:
    assert json.loads((await get(sidecar, "/v1.0/secrets/scoped/bulk"))[2]) == {
        "token": {"token": "t-1"}
    }
    assert json.loads((await get(sidecar, "/v1.0/secrets/denying/bulk"))[2]) == {}


async def test_without_any_store_it_is_not_configured(bare: Sidecar) -> None:
    status, _, body = await get(bare, "/v1.0/secrets/vault/token")
    assert (status, json.loads(body)) == (
        500,
        {
            "errorCode": "ERR_SECRET_STORES_NOT_CONFIGURED",
            "message": "secret store is not configured",
        },
    )


async def test_a_bad_escape_is_daprds_plain_400(sidecar: Sidecar) -> None:
    # yarl would repair the escape, so the URL goes out pre-encoded, as a raw client sends it.
    url = URL(str(sidecar.http.make_url("/")) + "v1.0/secrets/vault/a%zz", encoded=True)
    response = await sidecar.http.session.get(url)
    assert (response.status, response.content_type) == (400, "text/plain")
    assert await response.read() == (
        b'failed to unescape request parameter "key". Error: invalid URL escape "%zz"\n'
    )


async def test_other_methods_fall_back_to_service_invocation(sidecar: Sidecar) -> None:
    response = await sidecar.http.post("/v1.0/secrets/vault/token")
    assert response.status == 404
    assert (await response.json())["errorCode"] == "ERR_DIRECT_INVOKE"


async def test_metadata_lists_stores_with_their_capabilities(sidecar: Sidecar) -> None:
    body = await (await sidecar.http.get("/v1.0/metadata")).read()
    listed = {c["name"]: c.get("capabilities") for c in json.loads(body)["components"]}
    assert listed["vault"] == ["MULTIPLE_KEY_VALUES_PER_SECRET"]
    assert listed["flat"] is None  # daprd omits an empty list
    assert b"pw-" not in body and b"t-1" not in body


async def test_grpc_get_and_bulk(sidecar: Sidecar) -> None:
    one = await sidecar.stub.GetSecret(
        secret_pb2.GetSecretRequest(store_name="vault", key="kafka-sasl")
    )
    assert dict(one.data) == SECRETS["kafka-sasl"]
    bulk = await sidecar.stub.GetBulkSecret(secret_pb2.GetBulkSecretRequest(store_name="scoped"))
    assert {name: dict(s.secrets) for name, s in bulk.data.items()} == {"token": {"token": "t-1"}}


@pytest.mark.parametrize(
    ("store", "key", "code", "message"),
    [
        ("nope", "t", grpc.StatusCode.INVALID_ARGUMENT,
         "failed finding secret store with key nope"),
        ("vault", "x", grpc.StatusCode.INTERNAL, "failed getting secret with key x from secret "
         "store vault: secret x not found"),
        ("scoped", "kafka-sasl", grpc.StatusCode.PERMISSION_DENIED,
         'access denied by policy to get "kafka-sasl" from "scoped"'),
    ],
)  # fmt: skip
async def test_grpc_errors_as_daprd_gives_them(
    sidecar: Sidecar, store: str, key: str, code: grpc.StatusCode, message: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await sidecar.stub.GetSecret(secret_pb2.GetSecretRequest(store_name=store, key=key))
    assert (caught.value.code(), caught.value.details()) == (code, message)


async def test_grpc_without_stores_is_failed_precondition(bare: Sidecar) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await bare.stub.GetBulkSecret(secret_pb2.GetBulkSecretRequest(store_name="vault"))
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_official_sdk_reads_secrets(
    sidecar: Sidecar, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK polls the HTTP health endpoint before its first call.
    monkeypatch.setattr(settings, "DAPR_HTTP_PORT", sidecar.http.port)
    monkeypatch.setattr(settings, "DAPR_RUNTIME_HOST", "127.0.0.1")

    def calls() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        with DaprClient(address=f"127.0.0.1:{sidecar.grpc_port}") as client:
            one = client.get_secret("vault", "kafka-sasl", {"namespace": "default"})
            bulk = client.get_bulk_secret("flat")
            return dict(one.secret), {k: dict(v) for k, v in bulk.secrets.items()}

    one, bulk = await asyncio.wait_for(asyncio.to_thread(calls), timeout=30)
    assert one == SECRETS["kafka-sasl"]
    assert bulk["kafka-sasl:username"] == {"kafka-sasl:username": "alice"}

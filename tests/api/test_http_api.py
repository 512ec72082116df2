"""The HTTP API in process: status codes, bodies and headers as daprd gives them (ref. §1-2)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from yarl import URL

from daprlite import DAPR_RUNTIME_COMPAT
from daprlite.api.core import DaprAPI
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import ZERO_TRACEPARENT
from tests.api.fakes import FakeOutput
from tests.support.http_api import APIClient

BINDING = "kafka-binding"
PATH = f"/v1.0/bindings/{BINDING}"


@dataclass
class Sidecar:
    client: APIClient
    binding: FakeOutput
    readiness: Readiness
    shutdowns: list[bool]
    api: DaprAPI


def component(name: str, version: str = "v1") -> Component:
    return Component(name, "bindings.kafka", version, {}, Path("c.yaml"), 1)


@pytest.fixture
async def sidecar() -> AsyncIterator[Sidecar]:
    binding = FakeOutput()
    store = CompStore(
        components=[component(BINDING), component("cron-in", version="")],
        outputs={BINDING: binding},
    )
    readiness = Readiness(outbound_ready=True, app_ready=True)
    shutdowns: list[bool] = []
    api = DaprAPI(
        RunConfig("checkout", app_port=6001), store, readiness, lambda: shutdowns.append(True)
    )
    async with APIClient(api, max_body_bytes=1024) as client:
        yield Sidecar(client, binding, readiness, shutdowns, api)


async def error_of(response: ClientResponse) -> tuple[int, bytes]:
    return response.status, await response.read()


def dapr_error(code: str, message: str) -> bytes:
    return json.dumps({"errorCode": code, "message": message}, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"b":1,"a":2}', b'{"a":2,"b":1}'),
        ('"hello"', b'"hello"'),
        (None, b"null"),
        ("12345678901234567890", b"12345678901234567000"),
        ('"<a&b>"', b'"\\u003ca\\u0026b\\u003e"'),
    ],
)
async def test_create_gives_204_and_the_component_gets_go_bytes(
    sidecar: Sidecar, data: str | None, expected: bytes
) -> None:
    field_ = "" if data is None else f',"data":{data}'
    body = f'{{"operation":"create","metadata":{{"partitionKey":"k1"}}{field_}}}'
    response = await sidecar.client.post(PATH, data=body)
    assert response.status == 204
    assert await response.read() == b""
    [request] = sidecar.binding.requests
    metadata = {"partitionKey": "k1", "traceparent": ZERO_TRACEPARENT}
    assert request == InvokeRequest(expected, metadata, "create")


async def test_put_works_like_post(sidecar: Sidecar) -> None:
    response = await sidecar.client.put(PATH, data='{"operation":"create","data":1.0}')
    assert response.status == 204
    assert sidecar.binding.requests[0].data == b"1"


async def test_name_is_query_unescaped(sidecar: Sidecar) -> None:
    response = await sidecar.client.post("/v1.0/bindings/a%2Fb+c", data='{"operation":"x"}')
    assert await error_of(response) == (
        500,
        dapr_error(
            "ERR_INVOKE_OUTPUT_BINDING",
            "error invoking output binding a/b c: couldn't find output binding a/b c",
        ),
    )


async def test_bad_escape_in_name_is_a_plain_400(sidecar: Sidecar) -> None:
    # yarl would repair the escape, so the URL goes out pre-encoded, as a raw client sends it.
    root = str(sidecar.client.make_url("/"))
    url = URL(root + "v1.0/bindings/a%zz", encoded=True)
    response = await sidecar.client.session.post(url, data="{}")
    assert response.status == 400
    assert await response.text() == (
        'failed to unescape request parameter "name". Error: invalid URL escape "%zz"\n'
    )


async def test_trailing_slash_is_tolerated(sidecar: Sidecar) -> None:
    response = await sidecar.client.post(PATH + "/", data='{"operation":"create"}')
    assert response.status == 204


@pytest.mark.parametrize(
    "path", ["/v1.0//bindings/kafka-binding", "/v1.0/./bindings/x/../kafka-binding"]
)
async def test_paths_are_cleaned_before_routing(sidecar: Sidecar, path: str) -> None:
    root = str(sidecar.client.make_url("/"))
    url = URL(root.rstrip("/") + path, encoded=True)
    response = await sidecar.client.session.post(url, data='{"operation":"create"}')
    assert response.status == 204


async def test_health_with_a_trailing_slash_and_query(sidecar: Sidecar) -> None:
    assert (await sidecar.client.get("/v1.0/healthz/?appid=checkout")).status == 204
    assert (await sidecar.client.get("/v1.0/healthz/?appid=other")).status == 500


MALFORMED = "failed deserializing HTTP body: "


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "EOF"),
        (b"{", "unexpected EOF"),
        (b"x", "invalid character 'x' looking for beginning of value"),
        (b"[]", "json: cannot unmarshal array into Go value of type http.OutputBindingRequest"),
        (
            b'{"operation":"create","metadata":{"a":1}}',
            "json: cannot unmarshal number into Go struct field OutputBindingRequest.metadata "
            "of type string",
        ),
        (b"{" + b" " * 2000 + b"}", "stream too large"),
    ],
)
async def test_bad_bodies_are_400(sidecar: Sidecar, body: bytes, detail: str) -> None:
    response = await sidecar.client.post(PATH, data=body)
    assert await error_of(response) == (
        400,
        dapr_error("ERR_MALFORMED_REQUEST", MALFORMED + detail),
    )
    assert response.content_type == "application/json"
    assert sidecar.binding.requests == []


async def test_over_limit_body_whose_value_ends_within_the_limit_is_used(
    sidecar: Sidecar,
) -> None:
    # daprd's limit reader gives the decoder the first `limit` bytes; a value complete by then
    # is decoded, and the rest of the body is never read.
    body = b'{"operation":"create","data":1}' + b" " * 4000 + b"trailing"
    response = await sidecar.client.post(PATH, data=body)
    assert response.status == 204
    assert sidecar.binding.requests[0].data == b"1"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b" " * 3000, "stream too large"),
        (b'{"operation":"create","data":"' + b"x" * 3000 + b'"}', "stream too large"),
        (b'{"operation":x' + b" " * 3000, "invalid character 'x' looking for beginning of value"),
    ],
)
async def test_over_limit_body_fails_as_daprd_reads_it(
    sidecar: Sidecar, body: bytes, detail: str
) -> None:
    response = await sidecar.client.post(PATH, data=body)
    assert await error_of(response) == (
        400,
        dapr_error("ERR_MALFORMED_REQUEST", MALFORMED + detail),
    )


async def test_body_at_the_limit_is_accepted(sidecar: Sidecar) -> None:
    body = b'{"operation":"create"}'
    response = await sidecar.client.post(PATH, data=body + b" " * (1024 - len(body)))
    assert response.status == 204


@pytest.mark.parametrize(
    ("name", "body", "detail"),
    [
        (
            BINDING,
            '{"data":"hi"}',
            "error invoking output binding kafka-binding: operation field is missing from request",
        ),
        (
            BINDING,
            '{"operation":"get"}',
            "error invoking output binding kafka-binding: binding kafka-binding does not support "
            "operation get. supported operations:create",
        ),
        (
            "nope",
            '{"operation":"create"}',
            "error invoking output binding nope: couldn't find output binding nope",
        ),
        (
            "nope",
            "{}",
            "error invoking output binding nope: operation field is missing from request",
        ),
    ],
)
async def test_invoke_errors_are_500_with_dapr_texts(
    sidecar: Sidecar, name: str, body: str, detail: str
) -> None:
    response = await sidecar.client.post(f"/v1.0/bindings/{name}", data=body)
    assert await error_of(response) == (500, dapr_error("ERR_INVOKE_OUTPUT_BINDING", detail))


async def test_component_failure_is_500(sidecar: Sidecar) -> None:
    sidecar.binding.fail_with = BindingInvokeError("kafka: client has run out of available brokers")
    response = await sidecar.client.post(PATH, data='{"operation":"create"}')
    assert await error_of(response) == (
        500,
        dapr_error(
            "ERR_INVOKE_OUTPUT_BINDING",
            "error invoking output binding kafka-binding: "
            "kafka: client has run out of available brokers",
        ),
    )


async def test_a_failed_call_still_returns_what_the_binding_got_back(sidecar: Sidecar) -> None:
    # daprd: an http binding's 404 fails the call, and its status goes out as headers too.
    got_back = InvokeResponse(b"not here", {"statusCode": "404", "status": "404 Not Found"})
    sidecar.binding.fail_with = BindingInvokeError("received status code 404", got_back)
    response = await sidecar.client.post(PATH, data='{"operation":"create"}')
    assert response.status == 500
    assert response.headers["Metadata.statuscode"] == "404"
    assert response.headers["Metadata.status"] == "404 Not Found"
    assert (await response.json())["errorCode"] == "ERR_INVOKE_OUTPUT_BINDING"


async def test_unexpected_component_exception_keeps_dapr_shape(
    sidecar: Sidecar, caplog: pytest.LogCaptureFixture
) -> None:
    sidecar.binding.fail_with = RuntimeError("boom")
    response = await sidecar.client.post(PATH, data='{"operation":"create"}')
    assert await error_of(response) == (
        500,
        dapr_error(
            "ERR_INVOKE_OUTPUT_BINDING", "error invoking output binding kafka-binding: boom"
        ),
    )
    assert "Traceback" in caplog.text


async def test_response_is_200_with_metadata_headers(sidecar: Sidecar) -> None:
    sidecar.binding.response = InvokeResponse(
        b'{"ok":true}', {"offset": "7", "line": "a\nb", "bad name": "dropped"}
    )
    response = await sidecar.client.post(PATH, data='{"operation":"create"}')
    assert response.status == 200
    assert await response.read() == b'{"ok":true}'
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Metadata.offset"] == "7"
    assert response.headers["metadata.line"] == "a b"
    assert not any(" " in name for name in response.headers)


async def test_empty_response_data_is_200_empty(sidecar: Sidecar) -> None:
    sidecar.binding.response = InvokeResponse()
    response = await sidecar.client.post(PATH, data='{"operation":"create"}')
    assert response.status == 200
    assert await response.read() == b""


DIRECT_INVOKE = dapr_error(
    "ERR_DIRECT_INVOKE", "failed getting app id either from the URL path or the header dapr-app-id"
)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PATH),
        ("DELETE", PATH),
        ("POST", "/v1.0/healthz"),
        ("GET", "/v1.0/bindings"),
        ("GET", "/"),
        ("POST", "/orders"),
    ],
)
async def test_unrouted_requests_fall_back_like_daprd(
    sidecar: Sidecar, method: str, path: str
) -> None:
    response = await sidecar.client.request(method, path)
    assert await error_of(response) == (404, DIRECT_INVOKE)
    assert response.content_type == "application/json"


async def test_other_dapr_apis_say_they_are_not_implemented(sidecar: Sidecar) -> None:
    response = await sidecar.client.get("/v1.0/state/store/key")
    status, body = await error_of(response)
    assert status == 404
    error = json.loads(body)
    assert error["errorCode"] == "ERR_API_UNIMPLEMENTED"
    assert "GET /v1.0/state/store/key" in error["message"]


async def test_health_follows_readiness(sidecar: Sidecar) -> None:
    client, readiness = sidecar.client, sidecar.readiness
    readiness.outbound_ready, readiness.app_ready = False, False
    assert await error_of(await client.get("/v1.0/healthz/outbound")) == (
        500,
        dapr_error("ERR_OUTBOUND_HEALTH_NOT_READY", "dapr outbound is not ready"),
    )
    readiness.outbound_ready = True
    assert (await client.get("/v1.0/healthz/outbound")).status == 204
    assert await error_of(await client.get("/v1.0/healthz")) == (
        500,
        dapr_error("ERR_HEALTH_NOT_READY", "dapr is not ready: [runtime]"),
    )
    readiness.app_ready = True
    assert (await client.get("/v1.0/healthz")).status == 204
    assert (await client.get("/v1.0/healthz?appid=checkout")).status == 204
    assert await error_of(await client.get("/v1.0/healthz?appid=other")) == (
        500,
        dapr_error("ERR_HEALTH_APPID_NOT_MATCH", "dapr app-id does not match"),
    )


async def test_metadata_document(sidecar: Sidecar) -> None:
    put = await sidecar.client.put("/v1.0/metadata/appCommand", data="python app.py")
    assert put.status == 204
    await sidecar.client.put("/v1.0/metadata/cliPID", data="42")
    response = await sidecar.client.get("/v1.0/metadata")
    assert response.status == 200
    assert response.content_type == "application/json"
    body = await response.read()
    assert body.endswith(b"}\n")
    assert json.loads(body) == {
        "id": "checkout",
        "runtimeVersion": DAPR_RUNTIME_COMPAT,
        # daprd 1.18's default preview features, listed even with no Configuration file.
        "enabledFeatures": ["HotReload", "WorkflowsRemoteActivityReminder"],
        "components": [
            {
                "name": "kafka-binding",
                "type": "bindings.kafka",
                "version": "v1",
                "capabilities": ["OUTPUT_BINDING"],
            },
            {"name": "cron-in", "type": "bindings.kafka"},
        ],
        "extended": {
            "appCommand": "python app.py",
            "cliPID": "42",
            "daprRuntimeVersion": DAPR_RUNTIME_COMPAT,
        },
        "appConnectionProperties": {
            "port": 6001,
            "protocol": "http",
            "channelAddress": "127.0.0.1",
        },
        "actorRuntime": {"runtimeStatus": "DISABLED", "hostReady": False},
    }
    # Key order is daprd's struct order, not alphabetical.
    assert body.startswith(b'{"id":"checkout","runtimeVersion":')


async def test_metadata_omits_port_without_app_port(sidecar: Sidecar) -> None:
    sidecar.api.config = RunConfig("checkout")
    document = await (await sidecar.client.get("/v1.0/metadata")).json()
    assert document["appConnectionProperties"] == {
        "protocol": "http",
        "channelAddress": "127.0.0.1",
    }


async def test_metadata_reports_the_configured_app_channel(sidecar: Sidecar) -> None:
    sidecar.api.config = RunConfig(
        "checkout", app_port=50051, app_protocol="grpc", app_channel_address="10.1.2.3"
    )
    document = await (await sidecar.client.get("/v1.0/metadata")).json()
    assert document["appConnectionProperties"] == {
        "port": 50051,
        "protocol": "grpc",
        "channelAddress": "10.1.2.3",
    }


async def test_shutdown_answers_then_calls_back(sidecar: Sidecar) -> None:
    response = await sidecar.client.post("/v1.0/shutdown")
    assert response.status == 204
    assert sidecar.shutdowns == [True]


async def test_api_token_is_required_when_configured() -> None:
    api = DaprAPI(RunConfig("a"), CompStore(), Readiness(outbound_ready=True, app_ready=True))
    async with APIClient(api, api_token="s3cret") as client:
        denied = await client.get("/v1.0/metadata")
        assert denied.status == 401
        assert await denied.text() == "invalid api token\n"
        allowed = await client.get("/v1.0/metadata", headers={"dapr-api-token": "s3cret"})
        assert allowed.status == 200
        assert (await client.get("/v1.0/healthz")).status == 204


async def test_handler_bug_is_500_json_not_a_traceback(
    sidecar: Sidecar, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> dict[str, object]:
        raise KeyError("oops")

    monkeypatch.setattr(sidecar.api, "metadata", broken)
    response = await sidecar.client.get("/v1.0/metadata")
    assert await error_of(response) == (
        500,
        dapr_error("ERR_INTERNAL", "internal error: KeyError"),
    )
    assert "Traceback" in caplog.text

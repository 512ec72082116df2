"""The transport-free HTTP rules (api/http_routes): exact Replies, with no server in between."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from daprlite.api import http_routes as routes
from daprlite.api.core import DaprAPI
from daprlite.api.http_routes import NO_CONTENT
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import ZERO_TRACEPARENT
from daprlite.serving.message import LimitedBody, Reply
from tests.api.fakes import FakeOutput

BINDING = "orders"
TARGET = f"/v1.0/bindings/{BINDING}"
CREATE = b'{"operation":"create","data":{"b":1,"a":2},"metadata":{"k":"v"}}'
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def binding() -> FakeOutput:
    return FakeOutput()


@pytest.fixture
def api(binding: FakeOutput) -> DaprAPI:
    component = Component(BINDING, "bindings.kafka", "v1", {}, Path("c.yaml"), 1)
    store = CompStore(components=[component], outputs={BINDING: binding})
    return DaprAPI(RunConfig("routes"), store, Readiness(outbound_ready=True, app_ready=True))


def json_error(status: int, code: str, message: str) -> Reply:
    body = f'{{"errorCode":"{code}","message":"{message}"}}'.encode()
    return Reply(status, (), body, "application/json")


async def test_a_created_request_is_204_and_the_binding_gets_go_bytes(
    api: DaprAPI, binding: FakeOutput
) -> None:
    reply = await routes.invoke_binding(api, TARGET, CREATE, False, {})
    assert reply == NO_CONTENT == Reply(204, (), b"", None)
    # No trace context: daprd's no-op span, the all-zero traceparent.
    metadata = {"k": "v", "traceparent": ZERO_TRACEPARENT}
    assert binding.requests == [InvokeRequest(b'{"a":2,"b":1}', metadata, "create", {})]


@pytest.mark.parametrize(
    "headers",
    [
        CIMultiDict({"TraceParent": TRACEPARENT, "TRACESTATE": "a=1,b=2"}),
        {"traceparent": TRACEPARENT, "tracestate": "a=1,b=2"},
    ],
    ids=["case-insensitive mapping", "lower-case keys"],
)
async def test_trace_headers_become_the_request_context(
    api: DaprAPI, binding: FakeOutput, headers: dict[str, str]
) -> None:
    await routes.invoke_binding(api, TARGET, CREATE, False, headers)
    [request] = binding.requests
    assert request.context == {"traceparent": TRACEPARENT, "tracestate": "a=1,b=2"}
    # Tracing off: the caller's context goes into the metadata verbatim (so into Kafka headers).
    assert request.metadata == {"k": "v", "traceparent": TRACEPARENT, "tracestate": "a=1,b=2"}


def test_an_empty_or_missing_trace_header_is_no_context() -> None:
    assert routes.trace_context(CIMultiDict({"traceparent": "", "x-other": "1"})) == {}
    assert routes.trace_context({"traceparent": TRACEPARENT}) == {"traceparent": TRACEPARENT}


async def test_the_name_comes_from_the_raw_target_unescaped(
    api: DaprAPI, binding: FakeOutput
) -> None:
    reply = await routes.invoke_binding(api, "/v1.0/bindings/a%2Fb+c/?x=%zz", CREATE, False, {})
    assert reply == json_error(
        500,
        "ERR_INVOKE_OUTPUT_BINDING",
        "error invoking output binding a/b c: couldn't find output binding a/b c",
    )
    assert binding.requests == []


async def test_a_bad_escape_is_the_plain_400_before_the_body_is_looked_at(api: DaprAPI) -> None:
    reply = await routes.invoke_binding(api, "/v1.0/bindings/a%zz", b"not json", False, {})
    assert reply == Reply(
        400,
        (("X-Content-Type-Options", "nosniff"),),
        b'failed to unescape request parameter "name". Error: invalid URL escape "%zz"\n',
        "text/plain; charset=utf-8",
    )


@pytest.mark.parametrize(
    ("body", "truncated", "detail"),
    [
        (b"", False, "EOF"),
        (b"", True, "stream too large"),
        (b'{"operation":"cre', False, "unexpected EOF"),
        (b'{"operation":"cre', True, "stream too large"),
        # A syntax error inside the limit is reported as it is, cut short or not.
        (b'{"operation":x', True, "invalid character 'x' looking for beginning of value"),
    ],
)
async def test_a_body_that_does_not_decode_is_400(
    api: DaprAPI, body: bytes, truncated: bool, detail: str
) -> None:
    reply = await routes.invoke_binding(api, TARGET, body, truncated, {})
    assert reply == json_error(
        400, "ERR_MALFORMED_REQUEST", f"failed deserializing HTTP body: {detail}"
    )


async def test_a_value_complete_within_the_limit_is_used(api: DaprAPI, binding: FakeOutput) -> None:
    assert await routes.invoke_binding(api, TARGET, CREATE + b"  ", True, {}) == NO_CONTENT
    assert len(binding.requests) == 1


async def test_a_binding_failure_is_500_in_dapr_json(api: DaprAPI, binding: FakeOutput) -> None:
    binding.fail_with = BindingInvokeError("kafka: <broker> down")
    reply = await routes.invoke_binding(api, TARGET, CREATE, False, {})
    assert reply == json_error(
        500,
        "ERR_INVOKE_OUTPUT_BINDING",
        r"error invoking output binding orders: kafka: \u003cbroker\u003e down",
    )


async def test_a_response_is_200_with_metadata_headers(api: DaprAPI, binding: FakeOutput) -> None:
    binding.response = InvokeResponse(
        b'{"ok":true}',
        {"offset": "7", "line": "a\r\nb", "bad name": "x", "x-Y_z": "q", "A": "1", "a": "2"},
    )
    reply = await routes.invoke_binding(api, TARGET, CREATE, False, {})
    assert reply == Reply(
        200,
        (
            ("Metadata.offset", "7"),
            ("Metadata.line", "a  b"),
            ("Metadata.x-Y_z", "q"),
            # Two keys may share a canonical name; Go adds both.
            ("Metadata.a", "1"),
            ("Metadata.a", "2"),
        ),
        b'{"ok":true}',
        "application/json",
    )


def test_an_empty_response_is_200_not_204() -> None:
    assert routes.binding_reply(InvokeResponse()) == Reply(200, (), b"", "application/json")
    assert routes.binding_reply(None) == NO_CONTENT


@pytest.mark.parametrize(
    ("target", "segment"),
    [
        ("/v1.0/bindings/x", "x"),
        ("/v1.0/bindings/x/", "x"),
        ("/v1.0/bindings/a%2Fb?c=d/e", "a%2Fb"),
        ("/v1.0/bindings/a+b?", "a+b"),
        ("http://127.0.0.1:3500/v1.0/bindings/a%2Fb/?q", "a%2Fb"),
        ("https://sidecar/v1.0/bindings/x", "x"),
    ],
)
def test_last_segment_keeps_escapes(target: str, segment: str) -> None:
    assert routes.last_segment(target) == segment


@pytest.mark.parametrize(
    ("raw", "value"),
    [("a%2Fb", "a/b"), ("a+b%20c", "a b c"), ("%2B", "+"), ("%e2%82%ac", "€"), ("%ff", "\ufffd")],
)
def test_query_unescape_is_gos(raw: str, value: str) -> None:
    assert routes.query_unescape(raw, "name") == value


@pytest.mark.parametrize(("raw", "escape"), [("a%zz", "%zz"), ("a%4", "%4"), ("%%41", "%%4")])
def test_query_unescape_names_the_first_bad_escape(raw: str, escape: str) -> None:
    with pytest.raises(routes.PlainError) as caught:
        routes.query_unescape(raw, "key")
    assert (
        caught.value.reply().body
        == (
            f'failed to unescape request parameter "key". Error: invalid URL escape "{escape}"\n'
        ).encode()
    )


DENIED = Reply(
    401,
    (("X-Content-Type-Options", "nosniff"),),
    b"invalid api token\n",
    "text/plain; charset=utf-8",
)


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("POST", TARGET, {}, DENIED),
        ("POST", TARGET, {"dapr-api-token": "wrong"}, DENIED),
        ("POST", TARGET, {"dapr-api-token": "S3CRET"}, DENIED),
        ("POST", TARGET, {"dapr-api-token": "s3cret"}, None),
        ("POST", TARGET, CIMultiDict({"Dapr-Api-Token": "s3cret"}), None),
        ("GET", "/v1.0/metadata", {}, DENIED),
        ("GET", "/v1.0/healthz", {}, None),
        ("GET", "/v1.0/healthz/", {}, None),
        ("GET", "/v1.0/healthz/outbound", {}, None),
        ("GET", "/v1.0/healthz/outbound/", {}, None),
        # Only GET is exempt, and only those two paths as they come (daprlite does not clean
        # them first; that matches aiohttp's earlier behaviour, not necessarily daprd's).
        ("POST", "/v1.0/healthz", {}, DENIED),
        ("HEAD", "/v1.0/healthz", {}, DENIED),
        ("GET", "/v1.0//healthz", {}, DENIED),
        ("GET", "/v1.0/healthz/other", {}, DENIED),
        # What aiohttp makes of header bytes that are not UTF-8 (b"s3cret\xff").
        ("POST", TARGET, {"dapr-api-token": "s3cret\udcff"}, DENIED),
        ("GET", "/v1.0/healthz", {"dapr-api-token": "\udcff"}, None),
    ],
)
def test_authorize(method: str, path: str, headers: dict[str, str], expected: Reply | None) -> None:
    assert routes.authorize(method, path, headers, "s3cret") == expected


@pytest.mark.parametrize("token", [None, ""])
def test_without_a_token_everything_is_authorized(token: str | None) -> None:
    assert routes.authorize("POST", TARGET, {}, token) is None


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("/", "/"),
        ("/v1.0/bindings/x", "/v1.0/bindings/x"),
        ("/v1.0//bindings/./x/", "/v1.0/bindings/x"),
        ("//v1.0/bindings/x", "/v1.0/bindings/x"),
        ("/v1.0/./bindings/y/../x", "/v1.0/bindings/x"),
        ("/../../x", "/x"),
    ],
)
def test_clean_path(raw: str, cleaned: str) -> None:
    assert routes.clean_path(raw) == cleaned


@given(st.binary(max_size=64), st.data())
def test_limited_body_keeps_the_first_limit_bytes(data: bytes, draw: st.DataObject) -> None:
    """However the body arrives in chunks, the limit reader keeps `data[:limit]` and says
    whether there was more; it asks to stop at the chunk that passes the limit, not before."""
    near = [max(len(data) + d, 0) for d in (-1, 0, 1)]
    limit = draw.draw(st.sampled_from(near) | st.integers(0, len(data) + 2))
    cuts = draw.draw(st.lists(st.sampled_from([limit - 1, limit, limit + 1]) | st.integers(0, 64)))
    bounds = sorted({0, len(data), *(min(max(cut, 0), len(data)) for cut in cuts)})
    reader = LimitedBody(limit)
    fed = 0
    for start, end in pairwise(bounds):
        fed = end
        if not reader.add(data[start:end]):
            assert fed > limit
            break
        assert fed <= limit
    assert reader.body == data[:limit]
    assert reader.truncated == (len(data) > limit)

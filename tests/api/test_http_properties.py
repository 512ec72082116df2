"""Property-based tests of `POST /v1.0/bindings/x`: any body gets 204, 400 or 500 with Dapr's
error JSON (never an HTML page or a dead server), a valid body hands the binding exactly what
Go's `json.Marshal` would write for its `data`, and names, limits and tokens follow daprd.

Every property runs against each target: the transport-free route functions, and the aiohttp
server over real HTTP. A new HTTP server joins by adding a target to `TARGETS`.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.client import HTTPConnection, RemoteDisconnected
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from daprlite.api import http_routes as routes
from daprlite.api.core import DaprAPI
from daprlite.gocompat import json as gojson
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import ZERO_TRACEPARENT
from daprlite.serving.message import LimitedBody
from tests.api.fakes import FakeOutput
from tests.support.http_api import APIClient

BINDING = "x"
MAX_BODY = 16 * 1024
TOKEN = "s3cret"


@dataclass
class Server:
    url: str
    binding: FakeOutput
    session: requests.Session


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The HTTP API on a loopback port, served by an event loop in its own thread."""
    binding = FakeOutput()
    component = Component(BINDING, "bindings.kafka", "v1", {}, Path("c.yaml"), 1)
    store = CompStore(components=[component], outputs={BINDING: binding})
    api = DaprAPI(RunConfig("props"), store, Readiness(outbound_ready=True, app_ready=True))
    loop = asyncio.new_event_loop()
    client = APIClient(api, max_body_bytes=MAX_BODY, api_token=TOKEN)

    async def start() -> int:
        await client.start_server()
        return client.port

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    with requests.Session() as session:
        yield Server(f"http://127.0.0.1:{port}/v1.0/bindings/{BINDING}", binding, session)
        # After all the fuzzing, in whichever order the tests ran: the server still answers.
        health = session.get(f"http://127.0.0.1:{port}/v1.0/healthz", timeout=5)
    asyncio.run_coroutine_threadsafe(client.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
    assert health.status_code == 204, health.text


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names looked up case-insensitively
    body: bytes


class Target(Protocol):
    """One way of serving the bindings route, with TOKEN as its API token."""

    binding: FakeOutput

    def post(self, segment: str, body: bytes, headers: Mapping[str, bytes]) -> Answer:
        """POST `body` to `/v1.0/bindings/<segment>`, `segment` sent as it is (escapes too)."""


AUTHORIZED = {"dapr-api-token": TOKEN.encode()}


class Served:
    """The aiohttp server over real HTTP, one kept-alive connection."""

    def __init__(self, server: Server) -> None:
        self.binding = server.binding
        address = urlsplit(server.url)
        # http.client sends the target exactly as given; requests and urllib3 would re-quote
        # escapes (`%zz` becomes `%2525zz`), which would hide the very rule under test.
        self.connection = HTTPConnection(address.hostname or "", address.port, timeout=10)

    def post(self, segment: str, body: bytes, headers: Mapping[str, bytes]) -> Answer:
        try:
            return self._post(segment, body, headers)
        except (RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server may close a kept-alive connection between requests; a server that is
            # down fails the retry too.
            self.connection.close()
            return self._post(segment, body, headers)

    def _post(self, segment: str, body: bytes, headers: Mapping[str, bytes]) -> Answer:
        self.connection.request("POST", "/v1.0/bindings/" + segment, body, dict(headers))
        response = self.connection.getresponse()
        return Answer(response.status, CIMultiDict(response.getheaders()), response.read())


class Direct:
    """The route functions, called as a server calls them once it has read the request."""

    def __init__(self) -> None:
        self.binding = FakeOutput()
        component = Component(BINDING, "bindings.kafka", "v1", {}, Path("c.yaml"), 1)
        store = CompStore(components=[component], outputs={BINDING: self.binding})
        ready = Readiness(outbound_ready=True, app_ready=True)
        self.api = DaprAPI(RunConfig("props"), store, ready)
        self.loop = asyncio.new_event_loop()

    def post(self, segment: str, body: bytes, headers: Mapping[str, bytes]) -> Answer:
        target = "/v1.0/bindings/" + segment
        # Header bytes decoded the way aiohttp decodes them; names are case-insensitive.
        received = CIMultiDict(
            (k, v.decode("utf-8", "surrogateescape")) for k, v in headers.items()
        )
        limited = LimitedBody(MAX_BODY)
        limited.add(body)
        reply = routes.authorize("POST", target, received, TOKEN) or self.loop.run_until_complete(
            routes.invoke_binding(self.api, target, limited.body, limited.truncated, received)
        )
        answer_headers = CIMultiDict(reply.headers)
        if reply.content_type is not None:
            answer_headers["Content-Type"] = reply.content_type
        return Answer(reply.status, answer_headers, reply.body)


TARGETS = ["direct", "aiohttp"]


@pytest.fixture(scope="module", params=TARGETS)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "aiohttp":
        served = Served(request.getfixturevalue("server"))
        yield served
        served.connection.close()
        return
    direct = Direct()
    yield direct
    direct.loop.close()


# JSON values within what Go decodes into `any` (numbers as float64).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18), max_value=10**18)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)
field_names = st.sampled_from(["data", "metadata", "operation", "Data", "OPERATION", "other"])
# Objects with the request's fields holding values of any type, then serialised.
loose_objects = st.dictionaries(field_names, json_values, max_size=4).map(json.dumps)


def mangle(text: str, data: st.DataObject) -> bytes:
    """Cut a body short or splice a random byte into it: near-valid JSON is the hard case."""
    raw = text.encode()
    cut = data.draw(st.integers(0, len(raw)))
    if data.draw(st.booleans()):
        return raw[:cut]
    return raw[:cut] + data.draw(st.binary(min_size=1, max_size=3)) + raw[cut:]


def check_error(answer: Answer) -> dict[str, str]:
    assert answer.headers["Content-Type"].startswith("application/json"), answer.body[:200]
    error: dict[str, str] = json.loads(answer.body)
    assert set(error) == {"errorCode", "message"}
    codes = {400: "ERR_MALFORMED_REQUEST", 500: "ERR_INVOKE_OUTPUT_BINDING"}
    assert error["errorCode"] == codes[answer.status]
    return error


def post(
    target: Target, body: bytes, segment: str = BINDING, headers: Mapping[str, bytes] = AUTHORIZED
) -> Answer:
    answer = target.post(segment, body, headers)
    assert answer.status in (204, 400, 500), (body[:100], answer.body[:200])
    if answer.status != 204:
        check_error(answer)
    return answer


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(st.one_of(st.binary(max_size=200), loose_objects, json_values.map(json.dumps)))
def test_any_body_gets_a_dapr_answer(target: Target, body: bytes | str) -> None:
    post(target, body.encode() if isinstance(body, str) else body)


@SETTINGS
@given(loose_objects, st.data())
def test_mangled_bodies_get_a_dapr_answer(target: Target, text: str, data: st.DataObject) -> None:
    post(target, mangle(text, data))


def as_go_decodes(value: Any) -> Any:
    """`value` as Go's decoder into `any` holds it: every number a float64."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [as_go_decodes(v) for v in value]
    return {k: as_go_decodes(v) for k, v in value.items()}


@SETTINGS
@given(
    json_values,
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
    st.booleans(),
)
def test_valid_bodies_hand_over_go_encoded_data(
    target: Target, data: Any, metadata: dict[str, str], indent: bool
) -> None:
    body = {"operation": "create", "data": data, "metadata": metadata}
    text = json.dumps(body, indent=2 if indent else None, ensure_ascii=indent)
    target.binding.requests.clear()
    answer = post(target, text.encode())
    assert answer.status == 204, answer.body
    [request] = target.binding.requests
    assert request.operation == "create"
    assert request.data == gojson.encode(as_go_decodes(data))
    sent = {
        gojson.decode(json.dumps(k).encode()): gojson.decode(json.dumps(v).encode())
        for k, v in metadata.items()
    }
    # No trace context came with the request: daprd's all-zero traceparent, unless the body
    # set one itself.
    assert dict(request.metadata) == {"traceparent": ZERO_TRACEPARENT} | sent


valid_requests = json_values.map(lambda data: json.dumps({"operation": "create", "data": data}))


@settings(SETTINGS, max_examples=100)
@given(st.one_of(valid_requests, loose_objects, json_values.map(json.dumps)), st.data())
def test_over_limit_body_is_read_as_its_first_limit_bytes(
    target: Target, text: str, data: st.DataObject
) -> None:
    # Pad in front so that the limit falls anywhere in the JSON text, or just after it (a value
    # complete within the limit, which must be used).
    raw = text.encode()
    cut = data.draw(st.sampled_from([len(raw), len(raw) + 1]) | st.integers(0, len(raw)))
    tail = data.draw(st.sampled_from([b" ", b"x", b"}", b"\xff"]))
    body = b" " * (MAX_BODY - cut) + raw + tail * data.draw(st.integers(1, 64))
    target.binding.requests.clear()
    full = post(target, body)
    handed_over = list(target.binding.requests)
    target.binding.requests.clear()
    within = post(target, body[:MAX_BODY])
    assert target.binding.requests == handed_over
    if full.status == within.status == 400:
        # Only the decoder running out of input tells the two apart: daprd's limit reader
        # then fails the read instead of reporting the end of the body.
        reason = check_error(within)["message"].removeprefix("failed deserializing HTTP body: ")
        if reason in ("EOF", "unexpected EOF"):
            assert check_error(full)["message"].endswith(": stream too large")
            return
    assert (full.status, full.body) == (within.status, within.body)


names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)


def escaped(name: str, data: st.DataObject) -> str:
    """`name` as a client may put it in a path: every byte that must be escaped is, in either
    hex case; an unreserved one may be; a space may be `+` (Go's QueryUnescape reads it so)."""
    out = []
    for byte in name.encode():
        char = chr(byte)
        if char == " " and data.draw(st.booleans()):
            out.append("+")
        elif char.isascii() and (char.isalnum() or char in "-._~") and data.draw(st.booleans()):
            out.append(char)
        else:
            out.append(data.draw(st.sampled_from(["%{:02X}", "%{:02x}"])).format(byte))
    segment = "".join(out)
    assume(segment not in (".", ".."))  # dot segments are path syntax, not names
    return segment


@SETTINGS
@given(names, st.booleans(), st.data())
def test_escaped_names_reach_the_binding_unescaped(
    target: Target, name: str, trailing_slash: bool, data: st.DataObject
) -> None:
    segment = escaped(name, data) + ("/" if trailing_slash else "")
    answer = post(target, b'{"operation":"create"}', segment)
    if name == BINDING:
        assert answer.status == 204
    else:
        message = f"error invoking output binding {name}: couldn't find output binding {name}"
        assert check_error(answer)["message"] == message


@pytest.mark.parametrize(("segment", "name"), [("%7B", "{"), ("a}b", "a}b"), ("%7b%7D", "{}")])
def test_braces_are_part_of_a_name(target: Target, segment: str, name: str) -> None:
    # Found by the property above: aiohttp's default route pattern refused `{` and `}`.
    answer = post(target, b'{"operation":"create"}', segment)
    message = f"error invoking output binding {name}: couldn't find output binding {name}"
    assert check_error(answer)["message"] == message


@SETTINGS
@given(names, st.sampled_from(["", "z", "zz", "4", "4g", "g4", "%"]), names, st.data())
def test_a_bad_escape_in_the_name_is_daprds_plain_400(
    target: Target, before: str, bad: str, after: str, data: st.DataObject
) -> None:
    # Everything after the bad escape is escaped in full, so its first byte is `%`, not hex.
    rest = "".join(f"%{byte:02X}" for byte in after.encode())
    segment = escaped(before, data) + "%" + bad + rest
    answer = target.post(segment, b'{"operation":"create"}', AUTHORIZED)
    assert answer.status == 400
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    escape = ("%" + bad + rest)[:3]
    assert (
        answer.body
        == (
            f'failed to unescape request parameter "name". Error: invalid URL escape "{escape}"\n'
        ).encode()
    )


header_values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12)


near_tokens = [TOKEN, TOKEN.upper(), TOKEN[:-1], TOKEN + "x"]
# Bytes a header may carry that are not UTF-8, or not ASCII: refused like any wrong token.
raw_tokens = [TOKEN.encode() + b"\xff", b"\xff", "s3crét".encode()]


@SETTINGS
@given(
    st.none()
    | st.sampled_from(near_tokens).map(str.encode)
    | st.sampled_from(raw_tokens)
    | header_values.map(str.encode),
    st.sampled_from(["dapr-api-token", "Dapr-Api-Token", "DAPR-API-TOKEN"]),
)
def test_only_the_api_token_opens_the_route(target: Target, given: bytes | None, name: str) -> None:
    headers = {} if given is None else {name: given}
    answer = target.post(BINDING, b'{"operation":"create"}', headers)
    if given == TOKEN.encode():
        assert answer.status == 204
    else:
        assert answer.status == 401
        assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert answer.body == b"invalid api token\n"


@SETTINGS
@given(header_values, st.none() | header_values)
def test_trace_context_reaches_the_binding(
    target: Target, traceparent: str, tracestate: str | None
) -> None:
    headers = dict(AUTHORIZED, traceparent=traceparent.encode())
    if tracestate is not None:
        headers["TraceState"] = tracestate.encode()
    target.binding.requests.clear()
    assert post(target, b'{"operation":"create"}', headers=headers).status == 204
    [request] = target.binding.requests
    expected = {"traceparent": traceparent, "tracestate": tracestate}
    # An empty header is no context at all, as in Go, where Header.Get returns "" for both.
    assert dict(request.context) == {k: v for k, v in expected.items() if v}

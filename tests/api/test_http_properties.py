"""Property-based tests of `POST /v1.0/bindings/x` over real HTTP: any body gets 204, 400 or 500
with Dapr's error JSON (never an HTML page or a dead server), and a valid body hands the
binding exactly what Go's `json.Marshal` would write for its `data`."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daprlite.api.core import DaprAPI
from daprlite.api.http import build_http_app
from daprlite.gocompat import json as gojson
from daprlite.model.component import Component
from daprlite.model.config import RunConfig
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from tests.api.fakes import FakeOutput

BINDING = "x"
MAX_BODY = 16 * 1024


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
    runner = web.AppRunner(build_http_app(api, max_body_bytes=MAX_BODY), access_log=None)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(runner.addresses[0][1])

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    with requests.Session() as session:
        yield Server(f"http://127.0.0.1:{port}/v1.0/bindings/{BINDING}", binding, session)
        # After all the fuzzing, in whichever order the tests ran: the server still answers.
        health = session.get(f"http://127.0.0.1:{port}/v1.0/healthz", timeout=5)
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
    assert health.status_code == 204, health.text


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


def check_error(response: requests.Response) -> None:
    assert response.headers["Content-Type"].startswith("application/json"), response.text
    error = json.loads(response.content)
    assert set(error) == {"errorCode", "message"}
    codes = {400: "ERR_MALFORMED_REQUEST", 500: "ERR_INVOKE_OUTPUT_BINDING"}
    assert error["errorCode"] == codes[response.status_code]


def post(server: Server, body: bytes) -> requests.Response:
    response = server.session.post(server.url, data=body, timeout=10)
    assert response.status_code in (204, 400, 500), (body[:100], response.text[:200])
    if response.status_code != 204:
        check_error(response)
    return response


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(st.one_of(st.binary(max_size=200), loose_objects, json_values.map(json.dumps)))
def test_any_body_gets_a_dapr_answer(server: Server, body: bytes | str) -> None:
    post(server, body.encode() if isinstance(body, str) else body)


@SETTINGS
@given(loose_objects, st.data())
def test_mangled_bodies_get_a_dapr_answer(server: Server, text: str, data: st.DataObject) -> None:
    post(server, mangle(text, data))


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
    server: Server, data: Any, metadata: dict[str, str], indent: bool
) -> None:
    body = {"operation": "create", "data": data, "metadata": metadata}
    text = json.dumps(body, indent=2 if indent else None, ensure_ascii=indent)
    server.binding.requests.clear()
    response = post(server, text.encode())
    assert response.status_code == 204, response.text
    [request] = server.binding.requests
    assert request.operation == "create"
    assert request.data == gojson.encode(as_go_decodes(data))
    assert dict(request.metadata) == {
        gojson.decode(json.dumps(k).encode()): gojson.decode(json.dumps(v).encode())
        for k, v in metadata.items()
    }

"""The HTTP binding against fixed responses on a real socket, held against Go's client.

Each row of http_go_matrix.json is what Go 1.26's http.Client, driven by daprd's HTTP binding
logic, sent and reported for one request; the binding must send the same requests (method,
target, headers, body, redirect by redirect) and report the same metadata, body or error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from daprlite.bindings.http.errors import HTTPInvokeError
from daprlite.bindings.http.output import HTTPOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from tests.integration.http_go_matrix import CLOSE_AFTER, GZIP, RESPONSES, cases
from tests.integration.raw_http_server import RawHTTPServer


@pytest.fixture
async def server() -> AsyncIterator[RawHTTPServer]:
    running = await RawHTTPServer(RESPONSES, CLOSE_AFTER).start()
    try:
        yield running
    finally:
        await running.stop()


async def binding_for(url: str, limit: int = 0) -> HTTPOutput:
    metadata = {"url": url}
    if limit:
        metadata["maxResponseBodySize"] = str(limit)
    binding = HTTPOutput()
    await binding.init(Component("call", "bindings.http", "v1", metadata, Path("c.yaml"), 1))
    return binding


async def outcome(
    binding: HTTPOutput, request: InvokeRequest
) -> tuple[str | None, InvokeResponse | None]:
    """(error text or None, the response the call returned or failed with)."""
    try:
        return None, await binding.invoke(request)
    except HTTPInvokeError as exc:
        return str(exc), exc.response


def _expected_text(value: str, port: str) -> str:
    return value.replace("PORT", port)


@pytest.mark.parametrize("case", cases(), ids=lambda case: case["name"])
async def test_binding_does_what_go_did(server: RawHTTPServer, case: dict[str, Any]) -> None:
    port = str(server.port)
    binding = await binding_for(_expected_text(case["url"], port), case.get("limit", 0))
    metadata = dict(case.get("request", {}))
    if case["path"]:
        metadata["path"] = case["path"]
    request = InvokeRequest(case.get("data", "").encode(), metadata, case["op"])
    try:
        error, response = await outcome(binding, request)
    finally:
        await binding.close()
    if response is None:
        assert error == _expected_text(case["error"], port)
    else:
        assert "error" not in case, case["error"]
        status = int(response.metadata["statusCode"])
        # Go reported this response; under errorIfNot2XX daprd fails the call with it.
        assert error == (None if status // 100 == 2 else f"received status code {status}")
        expected = dict(case["response"])
        if expected.get("Content-Length") == "GZIP":
            expected["Content-Length"] = str(len(GZIP))
        assert dict(response.metadata) == expected
        assert response.data == (GZIP if case["body"] == "GZIP" else case["body"].encode("latin-1"))
    sent = [
        [
            hop.method,
            hop.target,
            {k: v.replace(port, "PORT") for k, v in hop.headers.items() if k != "Host"},
            hop.body.decode(),
        ]
        for hop in server.hops
    ]
    assert sent == case["sent"]


async def test_a_status_line_without_reason_keeps_no_trailing_space(
    server: RawHTTPServer,
) -> None:
    # Go reports "299 " for `HTTP/1.1 299 ` (the text after the code as sent); aiohttp's parser
    # has already dropped the space, so daprlite reports "299".
    binding = await binding_for(server.base)
    try:
        response = await binding.invoke(
            InvokeRequest(b"", {"path": "/noreason-space", "errorIfNot2XX": "false"}, "get")
        )
    finally:
        await binding.close()
    assert response is not None and response.metadata["status"] == "299"


async def test_repeated_identical_content_length_is_refused(server: RawHTTPServer) -> None:
    # Go accepts a Content-Length repeated with the same value; aiohttp's parser refuses any
    # repeat, so the call fails as a malformed response would under daprd.
    binding = await binding_for(server.base)
    try:
        with pytest.raises(HTTPInvokeError, match="malformed HTTP response"):
            await binding.invoke(InvokeRequest(b"", {"path": "/dup-cl"}, "get"))
    finally:
        await binding.close()

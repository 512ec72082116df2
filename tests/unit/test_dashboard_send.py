"""The send form's fields as a binding request, and the answer as the page shows it (the
masking rule itself is model/redaction's, tested in test_redaction.py)."""

from __future__ import annotations

import pytest

from daprlite.dashboard.send import FormError, binding_request, response_view
from daprlite.model.redaction import MASK


def test_data_is_json_when_it_parses_and_a_string_otherwise() -> None:
    assert binding_request({"data": '{"orderId": 1}'}) == {
        "operation": "create",
        "data": {"orderId": 1},
    }
    assert binding_request({"operation": "get", "data": "hello"}) == {
        "operation": "get",
        "data": "hello",
    }
    assert binding_request({"operation": "delete", "data": ""}) == {"operation": "delete"}


def test_metadata_lines() -> None:
    body = binding_request({"metadata": "partitionKey = k1\n\nx-trace=a=b\n"})
    assert body["metadata"] == {"partitionKey": "k1", "x-trace": "a=b"}
    with pytest.raises(FormError, match="line 2"):
        binding_request({"metadata": "a=1\nno equals sign"})


def test_response_shows_metadata_headers_masked() -> None:
    view = response_view(
        200,
        "x" * 5000,
        {"Content-Type": "application/json", "metadata.key": "k", "metadata.authToken": "s3cr3t"},
    )
    assert view["status"] == 200
    assert len(view["body"]) == 4096 and view["truncated"]
    assert view["metadata"] == {"metadata.key": "k", "metadata.authToken": MASK}

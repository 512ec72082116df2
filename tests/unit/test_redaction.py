"""The one rule for values that look secret: which names are caught, and that others are not."""

from __future__ import annotations

import pytest

from daprlite.model.redaction import MASK, looks_secret, masked


@pytest.mark.parametrize(
    "name",
    ["saslPassword", "X-Api-Key", "dapr-api-token", "Authorization", "client_secret", "Cookie",
     "aws-signature", "privateKey", "apikey", "API_KEY", "passwd", "myCredentials"],
)  # fmt: skip
def test_secret_looking_names_are_caught(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name", ["key", "partitionKey", "traceparent", "__offset", "content-type", "operation"]
)
def test_ordinary_names_are_left_alone(name: str) -> None:
    assert not looks_secret(name)


def test_masked_replaces_only_the_secret_values() -> None:
    got = masked({"key": "order-1", "saslPassword": "hunter2", "X-Auth-User": "bob"})
    assert got == {"key": "order-1", "saslPassword": MASK, "X-Auth-User": MASK}

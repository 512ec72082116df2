"""Which metadata and header values look secret, so that nothing shown to a person (the
dashboard's live tail, a page) carries them: one rule, used wherever values leave the sidecar."""

from __future__ import annotations

from collections.abc import Mapping

MASK = "******"

# Parts of a name that say "credential": matched anywhere, case-insensitively, so that
# `saslPassword`, `X-Api-Key`, `dapr-api-token` and `Authorization` are all caught.
_SECRET_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "auth",
    "credential",
    "cookie",
    "apikey",
    "api-key",
    "api_key",
    "signature",
    "private",
)


def looks_secret(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_PARTS)


def masked(values: Mapping[str, str]) -> dict[str, str]:
    """`values` with every secret-looking entry's value replaced by MASK."""
    return {name: MASK if looks_secret(name) else value for name, value in values.items()}

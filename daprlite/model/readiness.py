"""How far one sidecar has come: the sidecar raises the flags, the API's health routes read them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Readiness:
    """`outbound_ready`: components initialised and API servers listening (outputs usable).
    `app_ready`: the app's port accepts connections (or there is no app port).
    `extended`: the free-form `extended` map of /v1.0/metadata (appCommand, cliPID, ...).
    """

    outbound_ready: bool = False
    app_ready: bool = False
    extended: dict[str, str] = field(default_factory=dict)

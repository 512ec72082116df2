"""A Configuration's `spec.secrets.scopes` entry: which secrets of one store the secrets API may
hand out, by daprd's rule (an allow list decides alone; else the deny list, else the default)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SecretScope:
    store_name: str
    default_access: str = "allow"  # "allow" or "deny", compared case-insensitively
    allowed_secrets: tuple[str, ...] = ()
    denied_secrets: tuple[str, ...] = ()

    def allows(self, key: str) -> bool:
        if self.allowed_secrets:
            return key in self.allowed_secrets
        if key in self.denied_secrets:
            return False
        return self.default_access.lower() != "deny"

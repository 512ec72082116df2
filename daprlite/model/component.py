"""A component as loaded from YAML: identity, metadata, the secrets it refers to and where it
came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SecretKeyRef:
    """A metadata entry's `secretKeyRef`: the secret `name` in the component's secret store, and
    the `key` inside it (daprd uses the name when the key is empty)."""

    name: str
    key: str = ""
    line: int = 0

    @property
    def field(self) -> str:
        return self.key or self.name


@dataclass(frozen=True, slots=True)
class Component:
    """One `kind: Component` document.

    `metadata` maps each `spec.metadata[].name` to its value as a string (YAML scalars are
    turned into text the way daprd reads them); `metadata_lines` keeps the line of each
    entry so later errors can point at it. `secret_refs` are the entries' unresolved
    `secretKeyRef`s (by metadata name) in the store `secret_store` (`auth.secretStore`);
    `from_secrets` names the entries whose value a secret store filled in, which no error or
    page may show. Metadata is kept out of the repr, so no log line carries a value.
    """

    name: str
    type: str
    version: str
    metadata: Mapping[str, str] = field(repr=False)
    file: Path
    line: int
    scopes: tuple[str, ...] = ()
    ignore_errors: bool = False
    init_timeout_seconds: float = 5.0
    metadata_lines: Mapping[str, int] = field(default_factory=dict)
    secret_refs: Mapping[str, SecretKeyRef] = field(default_factory=dict)
    secret_store: str = ""
    from_secrets: frozenset[str] = frozenset()

    @property
    def log_name(self) -> str:
        """The form daprd uses in logs: `sample-topic (bindings.kafka/v1)`."""
        return f"{self.name} ({self.type}/{self.version})"

    @property
    def category(self) -> str:
        return self.type.split(".", 1)[0]

    def where(self, key: str | None = None) -> str:
        """`file:line` of the component, or of one metadata entry when it is known."""
        line = self.metadata_lines.get(key, self.line) if key else self.line
        return f"{self.file}:{line}"

    def scoped_to(self, app_id: str) -> bool:
        return not self.scopes or app_id in self.scopes

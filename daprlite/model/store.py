"""The live bindings and secret stores of one sidecar, by component name, and what
/v1.0/metadata reports of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from daprlite.model.component import Component
from daprlite.model.contracts import InputBinding, OutputBinding, ReportsStatus, SecretStore


@dataclass(frozen=True, slots=True)
class ComponentInfo:
    """What `GET /v1.0/metadata` lists for one component."""

    name: str
    type: str
    version: str
    capabilities: tuple[str, ...]


@dataclass(slots=True)
class CompStore:
    components: list[Component] = field(default_factory=list)
    outputs: dict[str, OutputBinding] = field(default_factory=dict)
    inputs: dict[str, InputBinding] = field(default_factory=dict)
    secret_stores: dict[str, SecretStore] = field(default_factory=dict)
    # Components skipped with `ignoreErrors: true`: {"name", "type", "error"} each.
    init_errors: list[dict[str, str]] = field(default_factory=list)

    def secret_store(self, name: str) -> SecretStore | None:
        return self.secret_stores.get(name)

    def output(self, name: str) -> OutputBinding | None:
        # Exact, case-sensitive lookup, as daprd does.
        return self.outputs.get(name)

    def describe(self) -> list[ComponentInfo]:
        infos = []
        for component in self.components:
            capabilities: list[str] = []
            if component.name in self.inputs:
                capabilities.append("INPUT_BINDING")
            if component.name in self.outputs:
                capabilities.append("OUTPUT_BINDING")
            if (secrets := self.secret_stores.get(component.name)) is not None:
                capabilities.extend(secrets.features())
            infos.append(
                ComponentInfo(
                    component.name, component.type, component.version, tuple(capabilities)
                )
            )
        return infos

    def input_status(self) -> list[dict[str, Any]]:
        """What each input binding that ReportsStatus says about its delivery (waits, retries)."""
        return [
            {"name": name, **binding.status()}
            for name, binding in self.inputs.items()
            if isinstance(binding, ReportsStatus)
        ]

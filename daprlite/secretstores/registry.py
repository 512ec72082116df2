"""Which secret store types exist, the versions each answers to, and how to create them.

Registered by import string, one line each, as binding types are: adding a store never touches
the runtime, and an unused one costs no import.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

from daprlite.model.contracts import SecretStore

# daprd maps "", "v0" and "v1" to a type's first registration.
FIRST_VERSIONS = frozenset({"", "v0", "v1"})


@dataclass(frozen=True, slots=True)
class SecretStoreType:
    store_class: str  # "module:Class"
    versions: frozenset[str] = FIRST_VERSIONS


BUILTINS: Mapping[str, SecretStoreType] = {
    "secretstores.local.file": SecretStoreType(
        "daprlite.secretstores.localfile.store:LocalFileStore"
    ),
    "secretstores.local.env": SecretStoreType("daprlite.secretstores.localenv.store:LocalEnvStore"),
}


class SecretStoreRegistry:
    """The secret store types of a run; the loader sees it as a TypeCatalogue."""

    def __init__(self, types: Mapping[str, SecretStoreType] = BUILTINS) -> None:
        # daprd looks component types up case-insensitively.
        self._types = {name.lower(): kind for name, kind in types.items()}

    def supported_types(self) -> list[str]:
        return sorted(self._types)

    def supports(self, type_name: str, version: str) -> bool:
        kind = self._types.get(type_name.lower())
        return kind is not None and version.lower() in kind.versions

    def create(self, type_name: str) -> SecretStore:
        module_name, _, attr = self._types[type_name.lower()].store_class.partition(":")
        instance: SecretStore = getattr(importlib.import_module(module_name), attr)()
        return instance

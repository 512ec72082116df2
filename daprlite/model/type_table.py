"""Component types looked up as daprd looks them up — case-insensitively, each answering to a
set of versions — and created from an import string, so that an unused type costs no import.
Shared by the binding and secret store registries."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Generic, Protocol, TypeVar

# daprd maps "", "v0" and "v1" to a type's first registration.
FIRST_VERSIONS = frozenset({"", "v0", "v1"})


class Versioned(Protocol):
    @property
    def versions(self) -> frozenset[str]: ...


K = TypeVar("K", bound=Versioned)


class TypeTable(Generic[K]):
    """Implements model.contracts.TypeCatalogue over `types` (type name -> its entry)."""

    def __init__(self, types: Mapping[str, K]) -> None:
        self._types = {name.lower(): kind for name, kind in types.items()}

    def supported_types(self) -> list[str]:
        return sorted(self._types)

    def supports(self, type_name: str, version: str) -> bool:
        kind = self._types.get(type_name.lower())
        return kind is not None and version.lower() in kind.versions

    def kind(self, type_name: str) -> K:
        return self._types[type_name.lower()]


def load_class(target: str) -> type:
    """The class named by `target`, "package.module:Class"."""
    module_name, _, attr = target.partition(":")
    cls: type = getattr(importlib.import_module(module_name), attr)
    return cls

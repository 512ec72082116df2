"""Which secret store types exist, the versions each answers to, and how to create them.

Registered by import string, one line each, as binding types are: adding a store never touches
the runtime, and an unused one costs no import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from daprlite.model.contracts import SecretStore
from daprlite.model.type_table import FIRST_VERSIONS, TypeTable, load_class


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


class SecretStoreRegistry(TypeTable[SecretStoreType]):
    """The secret store types of a run; the loader sees it as a TypeCatalogue."""

    def __init__(self, types: Mapping[str, SecretStoreType] = BUILTINS) -> None:
        super().__init__(types)

    def create(self, type_name: str) -> SecretStore:
        instance: SecretStore = load_class(self.kind(type_name).store_class)()
        return instance

"""Fills a component's `secretKeyRef` entries from its secret store, as daprd's secret processor
does before init: the store is `auth.secretStore` (no default outside Kubernetes), each secret
is asked for once, and a secret that is missing or empty leaves the entry as it was.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from daprlite.model.component import Component
from daprlite.model.contracts import Secret
from daprlite.model.errors import SecretStoreError
from daprlite.model.store import CompStore

log = logging.getLogger("daprlite.runtime.secrets")


@dataclass(frozen=True, slots=True)
class WaitsForStore:
    """The component's store is not loaded (yet): it is initialised once the store is, if ever."""

    store: str


async def resolve_references(component: Component, store: CompStore) -> Component | WaitsForStore:
    """`component` with its secret references filled in, or which store it waits for."""
    if not component.secret_refs:
        return component
    secrets = store.secret_store(component.secret_store)
    if secrets is None:
        log.warning(
            "Component %s references a secret store that isn't loaded: %s",
            component.name,
            component.secret_store,
        )
        return WaitsForStore(component.secret_store)
    metadata = dict(component.metadata)
    filled: set[str] = set()
    asked: dict[str, Secret] = {}
    for key, ref in component.secret_refs.items():
        if ref.name not in asked:
            try:
                # daprd names the component's namespace; the local stores do not use it.
                asked[ref.name] = await secrets.get_secret(ref.name, {"namespace": ""})
            except SecretStoreError as exc:
                # daprd logs this and goes on; the entry keeps its value (often empty).
                log.error(
                    "Error getting secret: %s (component %s, metadata %s, secret store %s)",
                    exc,
                    component.name,
                    key,
                    component.secret_store,
                )
                continue
        value = asked[ref.name].get(ref.field, "")
        if value:
            metadata[key] = value
            filled.add(key)
    return dataclasses.replace(
        component, metadata=metadata, from_secrets=component.from_secrets | filled
    )

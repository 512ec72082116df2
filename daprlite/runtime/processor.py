"""Create and initialise the components of a run in daprd's order: secret stores first, then the
bindings, each after its secret references are filled in.

A component whose type has both directions gets two separate binding instances unless its
`direction` metadata names only one of them. A component whose secret store is not loaded waits
for it, as in daprd: it is initialised right after that store, or never.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from daprlite.bindings.registry import BindingRegistry
from daprlite.model.component import Component
from daprlite.model.contracts import Direction
from daprlite.model.errors import ComponentError, ComponentInitError
from daprlite.model.store import CompStore
from daprlite.observability.metrics import Metrics
from daprlite.runtime.secrets import WaitsForStore, resolve_references
from daprlite.secretstores.registry import SecretStoreRegistry

log = logging.getLogger("daprlite.runtime")


class _Closable(Protocol):
    async def close(self) -> None: ...


def directions_of(component: Component, registry: BindingRegistry) -> tuple[Direction, ...]:
    supported = registry.directions(component.type)
    wanted = explicit_directions(component)
    return tuple(d for d in supported if not wanted or d in wanted)


def explicit_directions(component: Component) -> set[str]:
    """The `direction` metadata (key case-insensitive, comma-separated), or an empty set."""
    for key, value in component.metadata.items():
        if key.lower() == "direction":
            return {part.strip().lower() for part in value.split(",") if part.strip()}
    return set()


@dataclass(slots=True)
class _Run:
    registry: BindingRegistry
    secret_registry: SecretStoreRegistry
    store: CompStore
    metrics: Metrics | None
    working_dir: Path
    # Components waiting for a secret store, by the store's name.
    waiting: dict[str, list[Component]] = field(default_factory=dict)


async def init_components(
    components: list[Component],
    registry: BindingRegistry,
    store: CompStore,
    metrics: Metrics | None = None,
    *,
    secret_registry: SecretStoreRegistry | None = None,
    working_dir: Path | None = None,
) -> None:
    """Initialise every component in daprd's order; the first fatal failure raises.

    `working_dir`: where daprd would run (a secret store's relative file name starts there).
    """
    run = _Run(
        registry,
        secret_registry or SecretStoreRegistry(),
        store,
        metrics,
        working_dir or Path.cwd(),
    )
    stores = [c for c in components if c.category == "secretstores"]
    for component in stores + [c for c in components if c.category != "secretstores"]:
        await _process(component, run)


async def init_bindings(
    components: list[Component],
    registry: BindingRegistry,
    store: CompStore,
    metrics: Metrics | None = None,
) -> None:
    """Initialise every binding component in file order (no secret stores involved)."""
    for component in components:
        if component.category == "bindings":
            await init_binding(component, registry, store, metrics)


async def _process(component: Component, run: _Run) -> None:
    resolved = await resolve_references(component, run.store)
    if isinstance(resolved, WaitsForStore):
        run.waiting.setdefault(resolved.store, []).append(component)
        return
    if resolved.category == "secretstores":
        if await _init_secret_store(resolved, run):
            for dependent in run.waiting.pop(resolved.name, []):
                await _process(dependent, run)
    elif resolved.category == "bindings":
        await init_binding(resolved, run.registry, run.store, run.metrics)


async def init_binding(
    component: Component,
    registry: BindingRegistry,
    store: CompStore,
    metrics: Metrics | None = None,
) -> bool:
    """Initialise one binding component; False when it failed with `ignoreErrors: true`."""
    stage = "creation"  # daprd's init-failure reasons: creation, then init
    try:
        for direction in directions_of(component, registry):
            stage = "creation"
            if direction == "input":
                binding = registry.create_input(component.type)
                stage = "init"
                await _init(binding, component, binding.init(component))
                store.inputs[component.name] = binding
            else:
                output = registry.create_output(component.type)
                stage = "init"
                await _init(output, component, output.init(component))
                store.outputs[component.name] = output
            log.info("successful init for %s binding (%s)", direction, component.log_name)
            if metrics is not None:
                # daprd counts a binding's init once per direction it starts.
                metrics.component_initialized(component.type)
    except ComponentError as exc:
        # The direction that did start must not live on, unlisted and never stopped.
        await _discard(component.name, store)
        _failed(component, stage, exc, store, metrics)
        return False
    _loaded(component, store, metrics)
    return True


async def _init_secret_store(component: Component, run: _Run) -> bool:
    stage = "creation"
    try:
        secrets = run.secret_registry.create(component.type)
        stage = "init"
        await _init(secrets, component, secrets.init(component, run.working_dir))
    except ComponentError as exc:
        _failed(component, stage, exc, run.store, run.metrics)
        return False
    run.store.secret_stores[component.name] = secrets
    if run.metrics is not None:
        run.metrics.component_initialized(component.type)
    _loaded(component, run.store, run.metrics)
    return True


def _loaded(component: Component, store: CompStore, metrics: Metrics | None) -> None:
    store.components.append(component)
    if metrics is not None:
        metrics.component_loaded()
    log.info("Component loaded: %s", component.log_name)


def _failed(
    component: Component,
    stage: str,
    exc: ComponentError,
    store: CompStore,
    metrics: Metrics | None,
) -> None:
    """Raise `exc` again, unless the component says `ignoreErrors: true`."""
    if metrics is not None:
        metrics.component_init_failed(component.type, component.name, stage)
    if not component.ignore_errors:
        raise exc
    log.warning("Ignoring error processing component: %s", exc)
    failure = {"name": component.name, "type": component.type, "error": str(exc)}
    store.init_errors.append(failure)


async def _init(instance: _Closable, component: Component, init: Awaitable[None]) -> None:
    """`init` awaited within the component's init timeout; on failure `instance` is closed."""
    try:
        await asyncio.wait_for(init, component.init_timeout_seconds)
    except BaseException as exc:
        await instance.close()  # release whatever the half-done init opened
        if isinstance(exc, TimeoutError):
            raise ComponentInitError(
                component.log_name,
                f"init timeout for component {component.name} exceeded after "
                f"{component.init_timeout_seconds:g}s",
            ) from exc
        raise


async def _discard(name: str, store: CompStore) -> None:
    for instances in (store.inputs, store.outputs):
        binding = instances.pop(name, None)
        if binding is not None:
            try:
                await binding.close()
            except Exception:
                log.exception("binding %s did not close cleanly", name)

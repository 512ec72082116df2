"""Create and initialise the binding instances the components ask for, as daprd does.

A component whose type has both directions gets two separate instances unless its
`direction` metadata names only one of them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TypeVar

from daprlite.bindings.registry import BindingRegistry
from daprlite.model.component import Component
from daprlite.model.contracts import Direction, InputBinding, OutputBinding
from daprlite.model.errors import ComponentError, ComponentInitError
from daprlite.model.store import CompStore
from daprlite.observability.metrics import Metrics

log = logging.getLogger("daprlite.runtime")

B = TypeVar("B", InputBinding, OutputBinding)


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


async def init_bindings(
    components: list[Component],
    registry: BindingRegistry,
    store: CompStore,
    metrics: Metrics | None = None,
) -> None:
    """Initialise every binding component in file order; the first fatal failure raises."""
    for component in components:
        if component.category != "bindings":
            continue
        stage = "creation"  # daprd's init-failure reasons: creation, then init
        try:
            for direction in directions_of(component, registry):
                stage = "creation"
                if direction == "input":
                    binding = registry.create_input(component.type)
                    stage = "init"
                    store.inputs[component.name] = await _init(binding, component)
                else:
                    output = registry.create_output(component.type)
                    stage = "init"
                    store.outputs[component.name] = await _init(output, component)
                log.info("successful init for %s binding (%s)", direction, component.log_name)
        except ComponentError as exc:
            if metrics is not None:
                metrics.component_init_failed(component.type, component.name, stage)
            # The direction that did start must not live on, unlisted and never stopped.
            await _discard(component.name, store)
            if not component.ignore_errors:
                raise
            log.warning("Ignoring error processing component: %s", exc)
            failure = {"name": component.name, "type": component.type, "error": str(exc)}
            store.init_errors.append(failure)
            continue
        store.components.append(component)
        if metrics is not None:
            metrics.component_initialized(component.type)
        log.info("Component loaded: %s", component.log_name)


async def _init(binding: B, component: Component) -> B:
    """`binding` initialised within the component's init timeout, or closed and raising."""
    try:
        await asyncio.wait_for(binding.init(component), component.init_timeout_seconds)
    except BaseException as exc:
        await binding.close()  # release whatever the half-done init opened
        if isinstance(exc, TimeoutError):
            raise ComponentInitError(
                component.log_name,
                f"init timeout for component {component.name} exceeded after "
                f"{component.init_timeout_seconds:g}s",
            ) from exc
        raise
    return binding


async def _discard(name: str, store: CompStore) -> None:
    for instances in (store.inputs, store.outputs):
        binding = instances.pop(name, None)
        if binding is not None:
            try:
                await binding.close()
            except Exception:
                log.exception("binding %s did not close cleanly", name)

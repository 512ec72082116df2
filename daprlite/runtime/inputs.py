"""Start the input bindings the app wants, and stop them so that nothing handled is lost."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from daprlite.model.observer import NO_OBSERVER, Observer
from daprlite.model.store import CompStore
from daprlite.observability.metrics import Metrics
from daprlite.resiliency.provider import Resiliency
from daprlite.runtime.processor import explicit_directions

if TYPE_CHECKING:  # its aiohttp client is imported only once an app port is in use
    from daprlite.runtime.app_channel import AppChannel

log = logging.getLogger("daprlite.runtime")


async def start_inputs(
    store: CompStore,
    channel: AppChannel,
    observer: Observer = NO_OBSERVER,
    metrics: Metrics | None = None,
    resiliency: Resiliency | None = None,
) -> list[str]:
    """Start every input binding the app subscribed to; return their names.

    A component with an explicit `direction` containing `input` is started without asking
    the app; otherwise the app is probed with `OPTIONS /<route>`, as daprd does.
    """
    started: list[str] = []
    for component in store.components:
        binding = store.inputs.get(component.name)
        if binding is None:
            continue
        probe = "input" not in explicit_directions(component)
        if probe and not await channel.is_subscribed(component):
            log.info("app has not subscribed to binding %s.", component.name)
            continue
        policy = resiliency.inbound(component.name) if resiliency is not None else None
        handler = channel.handler_for(component, policy)
        if metrics is not None:
            handler = metrics.timed_handler(component.name, handler)
            metrics.watch_input(component.name, binding)
        await binding.start(handler, observer)
        log.info("input binding %s is reading", component.name)
        started.append(component.name)
    return started


async def stop_inputs(store: CompStore) -> None:
    """Stop reading; deliveries in flight finish and their offsets are committed."""
    for name, binding in store.inputs.items():
        try:
            await binding.close()
        except Exception:
            log.exception("input binding %s did not close cleanly", name)

"""Fake bindings for runtime tests, registered under `bindings.fake` through a registry."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from daprlite.bindings.registry import BindingRegistry, BindingType
from daprlite.model.component import Component
from daprlite.model.contracts import EventHandler, InvokeRequest, InvokeResponse
from daprlite.model.observer import Observer

# Every fake records what happened to it here, in order, with a timestamp.
EVENTS: list[tuple[float, str]] = []


def note(event: str) -> None:
    EVENTS.append((time.monotonic(), event))


class FakeOutput:
    delay = 0.0

    async def init(self, component: Component) -> None:
        note(f"output init {component.name}")

    def operations(self) -> Sequence[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        note("invoke start")
        await asyncio.sleep(FakeOutput.delay)  # stands in for a slow broker ack
        note("invoke done")
        return None

    async def close(self) -> None:
        note("output close")


class FakeInput:
    handler: EventHandler | None = None

    async def init(self, component: Component) -> None:
        note(f"input init {component.name}")

    async def start(self, handler: EventHandler, observer: Observer) -> None:
        FakeInput.handler = handler
        note("input start")

    async def close(self) -> None:
        note("input close")


def registry() -> BindingRegistry:
    return BindingRegistry(
        {
            "bindings.fake": BindingType(
                input_class="tests.runtime.fakes:FakeInput",
                output_class="tests.runtime.fakes:FakeOutput",
            )
        }
    )


def component_yaml(name: str = "orders") -> str:
    return (
        "apiVersion: dapr.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\nspec:\n  type: bindings.fake\n  version: v1\n"
    )

"""RabbitMQ output binding: `create` publishes to the default exchange, routed to the queue,
and answers once the broker confirmed the message (publisher confirms; daprd answers when the
bytes were written to its socket). A lost connection is opened again by the next request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiormq.exceptions

from daprlite.bindings.rabbitmq.connect import Link, declare_queue, open_link, reason
from daprlite.bindings.rabbitmq.message import outgoing
from daprlite.bindings.rabbitmq.settings import RabbitSettings
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError, ComponentInitError

log = logging.getLogger("daprlite.bindings.rabbitmq")

# daprd's words when its channel is gone; daprlite adds why.
_NOT_OPEN = "channel/connection is not open"


class RabbitMQOutput:
    def __init__(self) -> None:
        self._settings: RabbitSettings | None = None
        self._name = ""
        self._link: Link | None = None
        self._relinking = asyncio.Lock()
        self._closed = False

    @staticmethod
    def check_metadata(component: Component) -> None:
        RabbitSettings.from_component(component)

    async def init(self, component: Component) -> None:
        self._settings = settings = RabbitSettings.from_component(component)
        self._name = component.name
        try:
            self._link = await self._open()
        except Exception as exc:
            raise ComponentInitError(
                component.log_name, f"rabbitmq: {reason(exc, settings)}"
            ) from exc

    async def _open(self) -> Link:
        assert self._settings is not None
        link = await open_link(self._settings, self._name, "output")
        try:
            # Like daprd, each instance declares the queue it publishes to (so publishing
            # before any consumer exists does not lose the message).
            await declare_queue(link.channel, self._settings)
        except BaseException:
            await link.close()
            raise
        return link

    def operations(self) -> Sequence[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        settings = self._settings
        assert settings is not None, "init() first"
        message = outgoing(request)
        link = await self._usable_link()
        exchange = link.channel.default_exchange
        try:
            await exchange.publish(
                message,
                routing_key=settings.queue,
                mandatory=True,
                timeout=settings.publish_timeout,
            )
        except aiormq.exceptions.PublishError as exc:
            raise BindingInvokeError(
                f"failed to publish message: the broker could not route it to queue "
                f"{settings.queue} ({exc.args[0] if exc.args else 'returned'})"
            ) from exc
        except aiormq.exceptions.DeliveryError as exc:
            raise BindingInvokeError(
                "failed to publish message: the broker refused it (negative acknowledgement)"
            ) from exc
        except TimeoutError as exc:
            raise BindingInvokeError(
                f"failed to publish message: no confirm from the broker within "
                f"{settings.publish_timeout:g}s; it may or may not have been stored"
            ) from exc
        except Exception as exc:
            link.lost.set()  # the next request opens a new connection
            raise BindingInvokeError(f"failed to publish message: {reason(exc, settings)}") from exc
        return None

    async def _usable_link(self) -> Link:
        if self._closed:
            raise BindingInvokeError(f"{_NOT_OPEN}: the binding is shutting down")
        if self._link is not None and self._link.usable:
            return self._link
        async with self._relinking:
            if self._link is not None and self._link.usable:
                return self._link  # another request opened it meanwhile
            assert self._settings is not None
            if self._link is not None:
                await self._link.close()
            try:
                self._link = await self._open()
            except Exception as exc:
                raise BindingInvokeError(f"{_NOT_OPEN}: {reason(exc, self._settings)}") from exc
            log.info(
                "rabbitmq binding %s: output reconnected to %s", self._name, self._settings.where
            )
            return self._link

    async def close(self) -> None:
        self._closed = True
        if self._link is not None:
            await self._link.close()

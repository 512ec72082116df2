"""Opening an AMQP connection and channel for a RabbitMQ component, and declaring its queue
the way daprd does; every error text is scrubbed of the URL's password."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractQueue

from daprlite.bindings.rabbitmq.settings import RabbitSettings

# How long opening a connection may take before it counts as failed.
CONNECT_TIMEOUT = 10.0


class Link:
    """One connection with one channel in confirm mode; `lost` is set when either closes."""

    def __init__(self, connection: AbstractConnection, channel: AbstractChannel) -> None:
        self.connection, self.channel = connection, channel
        self.lost = asyncio.Event()
        connection.close_callbacks.add(self._on_close)
        channel.close_callbacks.add(self._on_close)

    def _on_close(self, *_: object) -> None:
        self.lost.set()

    @property
    def usable(self) -> bool:
        return not (self.lost.is_set() or self.channel.is_closed or self.connection.is_closed)

    async def close(self) -> None:
        self.lost.set()
        # Closing what is already broken may fail; there is nothing left to do about it.
        with contextlib.suppress(Exception):
            await self.connection.close()


async def open_link(settings: RabbitSettings, name: str, role: str) -> Link:
    """Connect and open a channel with publisher confirms; raises what aio-pika raises."""
    context: ssl.SSLContext | None = None
    if settings.mutual_tls:
        # Loading the key pair goes through temp files: off the event loop.
        context = await asyncio.to_thread(settings.ssl_context)
    connection = await aio_pika.connect(
        _url(settings),
        ssl_context=context,
        timeout=CONNECT_TIMEOUT,
        client_properties={"connection_name": f"daprlite {name} ({role})"},
    )
    try:
        # on_return_raises: with mandatory publishing, a message the broker could not route to
        # any queue fails its request instead of vanishing with a 204.
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    except BaseException:
        await connection.close()
        raise
    return Link(connection, channel)


async def declare_queue(channel: AbstractChannel, settings: RabbitSettings) -> AbstractQueue:
    """daprd's QueueDeclare: name, durable, auto-delete, exclusive, x-arguments."""
    return await channel.declare_queue(
        settings.queue,
        durable=settings.durable,
        auto_delete=settings.auto_delete,
        exclusive=settings.exclusive,
        arguments=dict(settings.queue_arguments()) or None,
    )


def reason(exc: BaseException, settings: RabbitSettings) -> str:
    """What went wrong, in one line and without the password."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, (ConnectionError, OSError, TimeoutError)) and settings.where not in text:
        text = f"cannot reach {settings.where}: {text}"
    return settings.scrub(text)


def _url(settings: RabbitSettings) -> str:
    if not settings.external_sasl:
        return settings.host
    # aiormq picks the SASL mechanism from the URL's `auth` query parameter.
    parts = urlsplit(settings.host)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "auth"] + [("auth", "external")]
    return urlunsplit(parts._replace(query=urlencode(query)))

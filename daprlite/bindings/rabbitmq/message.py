"""AMQP messages and Dapr values in both directions: an output request as daprd publishes it,
and a delivery as daprd hands it to the app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from daprlite.bindings.rabbitmq.ttl import request_ttl_ms
from daprlite.gocompat.strconv import NumError, atoi
from daprlite.gocompat.urlquery import query_escape
from daprlite.model.contracts import BindingEvent, InvokeRequest
from daprlite.model.errors import BindingInvokeError

_PROPERTIES = ("contentType", "messageID", "correlationID", "type")


def outgoing(request: InvokeRequest) -> aio_pika.Message:
    """daprd's publishing: persistent, text/plain unless the request says otherwise, every
    request-metadata pair as a string header, TTL and priority from their metadata keys."""
    metadata = request.metadata
    try:
        ttl_ms = request_ttl_ms(metadata)
    except ValueError as exc:
        raise BindingInvokeError(f"failed to get TTL: {exc}") from None
    found = {key: _property(metadata, key) for key in _PROPERTIES}
    return aio_pika.Message(
        request.data,
        headers=dict(metadata),
        content_type=found["contentType"] or "text/plain",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        # aio-pika takes seconds and truncates them to whole milliseconds: the half keeps a
        # float's rounding from taking one millisecond off.
        expiration=None if ttl_ms is None else (ttl_ms + 0.5) / 1000,
        priority=_priority(metadata),
        message_id=found["messageID"],
        correlation_id=found["correlationID"],
        type=found["type"],
    )


def _property(metadata: Mapping[str, str], key: str) -> str | None:
    """The exact key first, then any key equal to it without regard to case; empty = absent."""
    if metadata.get(key):
        return metadata[key]
    return next((v for k, v in metadata.items() if v and k.lower() == key.lower()), None)


def _priority(metadata: Mapping[str, str]) -> int | None:
    raw = metadata.get("priority")  # daprd looks this key up by its exact name
    if not raw:
        return None
    try:
        value = atoi(raw)
    except NumError:
        raise BindingInvokeError(
            f"priority value must be a valid integer: actual is '{raw}'"
        ) from None
    return min(max(value, 0), 255)


def incoming(message: AbstractIncomingMessage) -> BindingEvent:
    """The event daprd makes of a delivery: the body, and each header whose value is a string
    under its url.QueryEscape'd name (AMQP properties are not passed on)."""
    metadata = {query_escape(str(k)): v for k, v in _headers(message).items() if isinstance(v, str)}
    return BindingEvent(data=message.body, metadata=metadata)


def _headers(message: AbstractIncomingMessage) -> Mapping[str, Any]:
    return message.headers or {}


def describe(queue: str, message: AbstractIncomingMessage) -> str:
    """How log lines name a delivery: `queue #tag [message-id=...]`."""
    tag = message.delivery_tag
    name = f"{queue} #{tag}"
    if message.message_id:
        name += f" [message-id={message.message_id}]"
    if message.redelivered:
        name += " (redelivered)"
    return name


def parked(
    message: AbstractIncomingMessage, queue: str, error: str, attempts: int
) -> aio_pika.Message:
    """A copy for the dead-letter queue: body, properties and headers kept (without an
    expiration, so it does not vanish there), plus why and where it came from."""
    headers = dict(_headers(message))
    headers |= {
        "daprlite-error": error,
        "daprlite-attempts": str(attempts),
        "daprlite-origin-queue": queue,
    }
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        priority=message.priority,
        correlation_id=message.correlation_id,
        message_id=message.message_id,
        timestamp=message.timestamp,
        type=message.type,
        app_id=message.app_id,
    )

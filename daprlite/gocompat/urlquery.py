"""Go's url.QueryEscape: what daprd's RabbitMQ input does to each AMQP header name."""

from __future__ import annotations

from urllib.parse import quote_plus


def query_escape(text: str) -> str:
    """Letters, digits and `-_.~` stay; a space becomes `+`; every other byte of the UTF-8
    text becomes `%XX` in upper-case hex. Python's quote_plus follows the same rule."""
    return quote_plus(text, safe="")

"""Waiting for a starting broker: poll until it answers metadata, dies, or runs out of time."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum

from daprlite.localkafka.ports import accepts_connections

_POLL = 0.1


class Outcome(Enum):
    READY = "ready"
    DIED = "died"
    TIMEOUT = "timeout"


def metadata_probe(bootstrap: str, timeout: float = 2.0, brokers: int = 1) -> bool:
    """True when the broker at `bootstrap` returns cluster metadata naming at least `brokers`
    brokers (a cluster's node asks for all of them: a node that has not registered, or is
    fenced, is missing from the list)."""
    from confluent_kafka.admin import AdminClient

    host, _, port = bootstrap.rpartition(":")
    # librdkafka logs every refused connection to stderr; a plain TCP check keeps start quiet.
    if not accepts_connections(host, int(port)):
        return False
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout * 1000)})
    try:
        metadata = admin.list_topics(timeout=timeout)
    except Exception:  # KafkaException while the broker is still coming up
        return False
    return len(metadata.brokers) >= brokers


def wait_until_ready(
    probe: Callable[[], bool],
    alive: Callable[[], bool],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Poll `probe` until it succeeds, `alive` turns false, or `timeout` seconds pass."""
    deadline = clock() + timeout
    while True:
        if not alive():
            return Outcome.DIED
        if probe():
            return Outcome.READY
        if clock() >= deadline:
            return Outcome.TIMEOUT
        pause(_POLL)

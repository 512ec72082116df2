"""Is a TCP port on the loopback already taken? Asked before starting, so the error names it."""

from __future__ import annotations

import socket


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on (host, port): we cannot bind it as the broker would."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same option the JVM sets: a port held only by TIME_WAIT sockets of a stopped broker
        # is free for the next one.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def accepts_connections(host: str, port: int, timeout: float = 0.2) -> bool:
    """A quiet check that a listener is there, before asking the Kafka protocol anything."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False

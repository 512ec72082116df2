"""Loopback ports that nobody listens on right now.

The sidecar binds port 0 itself; these are for what needs a number up front (Kafka's listeners,
an app's `--app-port`, the flags of a benchmarked daprd). Between this answer and the real bind
another process may take the port: a small race, accepted where a number is needed first.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Collection


def free_port() -> int:
    """One port nobody listens on right now."""
    [port] = free_ports(1)
    return port


def free_ports(count: int, taken: Collection[int] = ()) -> list[int]:
    """`count` different free ports, none of them in `taken`. All are held open until every one
    is found, so that the operating system cannot hand out the same port twice."""
    ports: list[int] = []
    with contextlib.ExitStack() as held:
        while len(ports) < count:
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
            if port not in taken:
                ports.append(port)
    return ports

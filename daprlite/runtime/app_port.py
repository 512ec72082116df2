"""Wait until the app accepts TCP connections on its port, as daprd does before reading inputs."""

from __future__ import annotations

import asyncio
import logging
import time

from daprlite.model.errors import AppPortTimeoutError

log = logging.getLogger("daprlite.runtime")

_DIAL_INTERVAL = 0.1
_DIAL_TIMEOUT = 0.5
_NOTE_EVERY = 10.0


async def wait_for_port(address: str, port: int, timeout: float) -> None:
    """Return once `address:port` accepts a connection; AppPortTimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    next_note = time.monotonic() + _NOTE_EVERY
    while True:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(address, port), _DIAL_TIMEOUT
            )
        except (OSError, TimeoutError):
            now = time.monotonic()
            if now >= deadline:
                raise AppPortTimeoutError(
                    f"the app did not listen on port {port} within {timeout:g}s; check that "
                    "--app-port is the port your app opens, or raise --app-startup-timeout"
                ) from None
            if now >= next_note:
                log.info("waiting for application to listen on port %d", port)
                next_note = now + _NOTE_EVERY
            await asyncio.sleep(_DIAL_INTERVAL)
            continue
        writer.close()
        await writer.wait_closed()
        return

"""Wait until a condition holds, with a deadline and a failure that names what was awaited.

`wait_until` polls from plain code (threads, fixtures); `eventually` from a coroutine, yielding to
the event loop between polls so that what is awaited can happen meanwhile.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# How to say what was awaited: a fixed text, or a function called at the deadline (so that the
# failure can show the state the condition last saw).
What = str | Callable[[], object]


def wait_until(
    condition: Callable[[], T], what: What, *, timeout: float = 30.0, interval: float = 0.05
) -> T:
    """Call `condition` until it returns something truthy and return that; past `timeout`
    seconds, fail with an AssertionError naming `what`."""
    deadline = _Deadline(what, timeout, interval)
    while not (value := condition()):
        time.sleep(deadline.pause())
    return value


async def eventually(
    condition: Callable[[], T | Awaitable[T]],
    what: What,
    *,
    timeout: float = 30.0,
    interval: float = 0.02,
) -> T:
    """`wait_until` for coroutines: the event loop runs between two calls of `condition`,
    which may itself be a coroutine function (one that asks a server, say)."""
    deadline = _Deadline(what, timeout, interval)
    while not (value := await _result(condition())):  # noqa: ASYNC110 -- polls, with a deadline
        await asyncio.sleep(deadline.pause())
    return value


async def _result(value: T | Awaitable[T]) -> T:
    return await value if inspect.isawaitable(value) else value


class _Deadline:
    def __init__(self, what: What, timeout: float, interval: float) -> None:
        self.what, self.timeout, self.interval = what, timeout, interval
        self.at = time.monotonic() + timeout

    def pause(self) -> float:
        """How long to sleep before the next poll; fails once the deadline has passed."""
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            description = self.what() if callable(self.what) else self.what
            raise AssertionError(f"timed out after {self.timeout:g}s waiting for {description}")
        return min(self.interval, remaining)

"""The clock a cron schedule runs on: the system's, or one a test moves by hand."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

# The longest single wait: the wall clock is looked at again at least this often, so that a
# clock step or a laptop waking from sleep moves the next tick to its wall-clock time.
_RECHECK_SECONDS = 30.0


class Clock(Protocol):
    def now(self) -> int:
        """Wall-clock time as Unix nanoseconds."""

    async def sleep_until(self, deadline: int) -> None:
        """Wait until about `deadline` (Unix nanoseconds). It may return early (callers look
        at now() again), and it always yields to the event loop, even for a deadline passed."""


class SystemClock:
    def now(self) -> int:
        return time.time_ns()

    async def sleep_until(self, deadline: int) -> None:
        seconds = (deadline - time.time_ns()) / 1e9
        await asyncio.sleep(min(max(seconds, 0.0), _RECHECK_SECONDS))

"""The user's app as a child process: its own session, output pumped line by line to a printer,
and a stop that reaches the whole process group (SIGTERM, a grace period, then SIGKILL).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import psutil

from daprlite.model.errors import AppStartError

# A line longer than this is printed in pieces of this size rather than breaking the pump.
LINE_LIMIT = 64 * 1024
# After the app exits, how long its pipes may stay open: a daemonised grandchild can hold them
# forever, and wait() must not hang on it.
DRAIN_TIMEOUT = 2.0
_POLL = 0.05


class LineSink(Protocol):
    """What the supervisor needs from a printer (tests pass a list-backed fake)."""

    def line(self, data: bytes | str) -> None: ...


class _ExitAwareProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Also tells when the process itself exits: Process.wait() (3.11) waits for the pipes to
    close as well, which a daemonised grandchild can put off forever."""

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited = asyncio.Event()

    def process_exited(self) -> None:
        super().process_exited()
        self.exited.set()


def exit_code(returncode: int) -> int:
    """A shell's view of an exit status: killed by signal N becomes 128+N."""
    return 128 - returncode if returncode < 0 else returncode


class AppProcess:
    def __init__(
        self,
        command: Sequence[str],
        printer: LineSink,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        line_limit: int = LINE_LIMIT,
        drain_timeout: float = DRAIN_TIMEOUT,
    ) -> None:
        self.command = list(command)
        self._printer = printer
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._line_limit = line_limit
        self._drain_timeout = drain_timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._done: asyncio.Task[int] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit code once the app has exited (128+N for signal N), else None."""
        if self._proc is None or self._proc.returncode is None:
            return None
        return exit_code(self._proc.returncode)

    async def start(self) -> None:
        if self._proc is not None:
            raise RuntimeError("AppProcess.start() called twice")
        if not self.command:
            raise AppStartError("no app command given: put it after `--`, e.g. `-- python3 app.py`")
        loop = asyncio.get_running_loop()
        try:
            # create_subprocess_exec, spelled out to get at the protocol's exit notification.
            transport, protocol = await loop.subprocess_exec(
                lambda: _ExitAwareProtocol(self._line_limit, loop),
                *self.command,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._env,
                cwd=self._cwd,
                # Its own session: the terminal's Ctrl-C reaches daprlite only, which then stops
                # the app's whole group, grandchildren included.
                start_new_session=True,
            )
        except OSError as exc:
            raise AppStartError(self._start_failure(exc)) from exc
        self._proc = asyncio.subprocess.Process(transport, protocol, loop)
        assert protocol.stdout is not None
        assert protocol.stderr is not None
        # stdout and stderr are read concurrently: a chatty stderr must not stall on a full pipe.
        pumps = [
            asyncio.create_task(self._pump(protocol.stdout)),
            asyncio.create_task(self._pump(protocol.stderr)),
        ]
        self._done = asyncio.create_task(self._run(transport, protocol, pumps))

    def _start_failure(self, exc: OSError) -> str:
        name = self.command[0]
        if self._cwd is not None and not os.path.isdir(self._cwd):
            return f"app directory '{self._cwd}' does not exist: check the working directory"
        if isinstance(exc, FileNotFoundError):
            return f"app command '{name}' not found: is it installed and on PATH?"
        if isinstance(exc, PermissionError):
            return f"app command '{name}' is not executable: check its permissions (chmod +x)"
        return f"app command '{name}' could not be started: {exc.strerror or exc}"

    async def _pump(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:  # the last line had no newline
                    self._printer.line(exc.partial)
                return
            except asyncio.LimitOverrunError:
                # The bytes are still buffered; print a limit-sized piece and carry on.
                line = await reader.read(self._line_limit)
            self._printer.line(line)

    async def _run(
        self,
        transport: asyncio.SubprocessTransport,
        protocol: _ExitAwareProtocol,
        pumps: list[asyncio.Task[None]],
    ) -> int:
        await protocol.exited.wait()
        # Whatever the app wrote before exiting is still in the pipes: print it all first.
        _, pending = await asyncio.wait(pumps, timeout=self._drain_timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            transport.close()  # a straggler holds the pipes; stop reading them
        for task in pumps:
            if not task.cancelled() and (exc := task.exception()) is not None:
                raise exc  # a printer bug must surface, not vanish with the output
        assert self._proc is not None
        return exit_code(await self._proc.wait())

    async def wait(self) -> int:
        """Wait for the app to exit and its output to be printed; return its exit code."""
        if self._done is None:
            raise RuntimeError("AppProcess.wait() before start()")
        # shield: one caller giving up (a timeout) must not cancel the pumps for the others.
        return await asyncio.shield(self._done)

    async def terminate(self, grace: float = 5.0) -> int:
        """Stop the app's whole process group: SIGTERM, up to `grace` seconds, then SIGKILL.

        Idempotent, and safe once the app has exited (stragglers in its group are still stopped).
        """
        if self._proc is None:
            raise RuntimeError("AppProcess.terminate() before start()")
        pgid = self._proc.pid  # start_new_session made the app its group's leader
        if self._signal_group(pgid, signal.SIGTERM):
            try:
                # Wait for the group to empty, not just the leader, so the app's children get
                # their grace period too.
                async with asyncio.timeout(grace):
                    await self._group_emptied(pgid)
            except TimeoutError:
                pass
            finally:
                # Also when our caller gives up (cancelled): never leave the group behind. What
                # is left may be zombies only, which a SIGKILL leaves as they are.
                self._signal_group(pgid, signal.SIGKILL)
        return await self.wait()

    async def _group_emptied(self, pgid: int) -> None:
        """Return once no live process is left in the group.

        The kernel offers no event for that, and scanning every process on the machine on the
        loop would stall it: the members are found by one scan in a thread, then only they are
        polled. A scan is repeated only when they are all gone but the group is not.
        """
        members = await asyncio.to_thread(_live_members, pgid)
        while True:
            members = [proc for proc in members if _is_live_member(proc, pgid)]
            # A leader that died but is not reaped yet still holds the group: wait for that.
            if not members and self.returncode is not None:
                if not _group_exists(pgid):
                    return
                # A zombie, or a process started after the last scan (an app that forks in its
                # SIGTERM handler): look again.
                members = await asyncio.to_thread(_live_members, pgid)
                if not members:
                    return
            await asyncio.sleep(_POLL)

    @staticmethod
    def _signal_group(pgid: int, signum: signal.Signals) -> bool:
        """Send `signum` to the group; False if the group is already gone."""
        try:
            os.killpg(pgid, signum)
        except ProcessLookupError:
            return False
        except PermissionError:  # a member changed user; nothing we may do about it
            return False
        return True


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _live_members(pgid: int) -> list[psutil.Process]:
    """Every process of the group that is not a zombie: one scan of the process table.

    Zombies still count for killpg, and an orphaned grandchild's zombie waits on init, which in
    a container may never reap it: only live members keep us waiting.
    """
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def _is_live_member(proc: psutil.Process, pgid: int) -> bool:
    try:
        # is_running() also tells a reused pid from the process we saw.
        return (
            proc.is_running()
            and proc.status() != psutil.STATUS_ZOMBIE
            and os.getpgid(proc.pid) == pgid
        )
    except (ProcessLookupError, psutil.Error):
        return False

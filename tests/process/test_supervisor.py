"""AppProcess against real `python -c` children: output pumping, exit codes, group termination."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from daprlite.model.errors import AppStartError, ExitCode
from daprlite.process.printer import Printer, drain_app_output
from daprlite.process.supervisor import AppProcess, exit_code
from tests.support.wait import eventually

DEADLINE = 10.0


class FakePrinter:
    """Records each line the supervisor hands over, raw."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    def line(self, data: bytes | str) -> None:
        self.raw.append(data if isinstance(data, bytes) else data.encode())

    @property
    def lines(self) -> list[str]:
        return [r.decode(errors="replace").rstrip("\r\n") for r in self.raw]


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def gone(pid: int) -> bool:
    # A killed grandchild is reparented to init; if init has not reaped it yet it is a zombie,
    # which is as dead as it gets.
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def until_gone(pid: int) -> None:
    await eventually(lambda: gone(pid), f"process {pid} to be gone", timeout=DEADLINE)


async def run(code: str, printer: FakePrinter | Printer | None = None, **kwargs: object) -> int:
    app = AppProcess(py(code), printer or FakePrinter(), **kwargs)  # type: ignore[arg-type]
    await app.start()
    async with asyncio.timeout(DEADLINE):
        return await app.wait()


async def test_stdout_and_stderr_lines_are_prefixed() -> None:
    out = io.StringIO()
    code = "import sys; print('to out', flush=True); print('to err', file=sys.stderr)"
    assert await run(code, Printer(out)) == 0
    assert await drain_app_output()
    assert sorted(out.getvalue().splitlines()) == ["== APP == to err", "== APP == to out"]


async def test_partial_last_line_is_printed() -> None:
    printer = FakePrinter()
    await run("import sys; sys.stdout.write('first\\nno newline')", printer)
    assert printer.lines == ["first", "no newline"]


async def test_invalid_utf8_is_replaced() -> None:
    out = io.StringIO()
    await run("import sys; sys.stdout.buffer.write(b'bad \\xff\\xfe end\\n')", Printer(out))
    assert await drain_app_output()
    assert out.getvalue() == "== APP == bad \ufffd\ufffd end\n"


async def test_exit_code_passes_through() -> None:
    assert await run("raise SystemExit(3)") == 3


async def test_death_by_signal_becomes_128_plus_n() -> None:
    assert await run("import os, signal; os.kill(os.getpid(), signal.SIGTERM)") == 143
    assert exit_code(-9) == 137
    assert exit_code(0) == 0


async def test_very_long_line_is_printed_in_pieces() -> None:
    printer = FakePrinter()
    code = "import sys; sys.stdout.write('x' * 5000 + 'y\\nend\\n' + 'z' * 3000)"
    assert await run(code, printer, line_limit=1024) == 0
    text = b"".join(printer.raw).decode()
    assert text == "x" * 5000 + "y\nend\n" + "z" * 3000
    assert all(len(r) <= 1025 for r in printer.raw)
    assert "end" in printer.lines


async def test_all_output_is_pumped_before_wait_returns() -> None:
    printer = FakePrinter()
    # More than a pipe buffer on each stream, written before the child exits.
    code = (
        "import sys\n"
        "for i in range(3000): print(f'out {i}')\n"
        "for i in range(3000): print(f'err {i} ' + 'e' * 40, file=sys.stderr)\n"
    )
    assert await run(code, printer) == 0
    outs = [line for line in printer.lines if line.startswith("out ")]
    assert outs == [f"out {i}" for i in range(3000)]
    assert sum(line.startswith("err ") for line in printer.lines) == 3000


async def test_env_and_cwd_are_given_to_the_app(tmp_path: Path) -> None:
    printer = FakePrinter()
    env = {**os.environ, "DAPR_HTTP_PORT": "3511"}
    code = "import os; print(os.environ['DAPR_HTTP_PORT']); print(os.getcwd())"
    assert await run(code, printer, env=env, cwd=tmp_path) == 0
    assert printer.lines == ["3511", str(tmp_path)]


async def test_terminate_stops_a_running_app_with_sigterm() -> None:
    printer = FakePrinter()
    app = AppProcess(py("import time; print('ready', flush=True); time.sleep(60)"), printer)
    await app.start()
    await eventually(lambda: "ready" in printer.lines, "the app to print ready", timeout=DEADLINE)
    started = time.monotonic()
    assert await app.terminate(grace=5.0) == ExitCode.SIGTERM
    assert time.monotonic() - started < 4.0  # it did not sit out the grace period


IGNORES_SIGTERM = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


async def start_ignoring_sigterm() -> AppProcess:
    """An app that shrugs SIGTERM off, started and ready."""
    printer = FakePrinter()
    app = AppProcess(py(IGNORES_SIGTERM), printer)
    await app.start()
    await eventually(lambda: "ready" in printer.lines, "the app to print ready", timeout=DEADLINE)
    return app


async def test_app_ignoring_sigterm_is_killed_after_grace() -> None:
    app = await start_ignoring_sigterm()
    started = time.monotonic()
    assert await app.terminate(grace=0.3) == 128 + 9
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 3.0


async def test_grandchildren_are_killed_too() -> None:
    printer = FakePrinter()
    code = (
        "import subprocess\n"
        "p = subprocess.Popen(['sleep', '60'])\n"
        "print(p.pid, flush=True)\n"
        "p.wait()\n"
    )
    app = AppProcess(py(code), printer)
    await app.start()
    await eventually(lambda: printer.lines, "the app to print its child's pid", timeout=DEADLINE)
    grandchild = int(printer.lines[0])
    assert not gone(grandchild)
    started = time.monotonic()
    assert await app.terminate(grace=5.0) == ExitCode.SIGTERM
    assert time.monotonic() - started < 4.0  # both went on SIGTERM; no waiting out the grace
    await until_gone(grandchild)


async def test_grandchild_ignoring_sigterm_is_killed_after_grace() -> None:
    printer = FakePrinter()
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('stubborn', flush=True); time.sleep(60)"
    )
    code = (
        "import subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-c', {stubborn!r}])\n"
        "print(p.pid, flush=True)\n"
        "p.wait()\n"
    )
    app = AppProcess(py(code), printer)
    await app.start()
    await eventually(  # its pid, and its SIGTERM is ignored
        lambda: len(printer.lines) == 2, "two lines from the app", timeout=DEADLINE
    )
    grandchild = int(next(line for line in printer.lines if line.isdigit()))
    started = time.monotonic()
    # The app itself dies on SIGTERM at once; its group is not empty until the grace ends.
    assert await app.terminate(grace=0.5) == ExitCode.SIGTERM
    assert 0.5 <= time.monotonic() - started < 4.0
    await until_gone(grandchild)


async def test_a_child_forked_in_the_sigterm_handler_gets_the_grace_then_sigkill() -> None:
    printer = FakePrinter()
    code = (
        "import os, signal, subprocess, sys, time\n"
        "def stop(*_):\n"
        # Started after the SIGTERM went out, so after any look at the group before it.
        "    p = subprocess.Popen(['sleep', '60'])\n"
        "    print(p.pid, flush=True)\n"
        "    os._exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    app = AppProcess(py(code), printer)
    await app.start()
    await eventually(lambda: "ready" in printer.lines, "the app to print ready", timeout=DEADLINE)
    started = time.monotonic()
    assert await app.terminate(grace=0.5) == 0
    assert time.monotonic() - started >= 0.5  # the late child kept us waiting: its grace
    late = int(next(line for line in printer.lines if line.isdigit()))
    await eventually(lambda: gone(late), f"the late child {late} to be killed", timeout=DEADLINE)


async def test_terminate_never_scans_the_process_table_on_the_loop(monkeypatch) -> None:
    scans: list[bool] = []
    real = psutil.process_iter

    def watched(*args: object, **kwargs: object) -> object:
        scans.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(psutil, "process_iter", watched)
    app = await start_ignoring_sigterm()
    assert await app.terminate(grace=0.5) == 137  # ten polls' worth of waiting
    assert scans, "the group's members were never looked up"
    assert not any(scans), "a scan ran on the event loop's thread"
    assert len(scans) <= 2  # one look, plus at most one when its members are gone


async def test_cancelled_terminate_still_kills_the_group() -> None:
    app = await start_ignoring_sigterm()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(app.terminate(grace=30.0), timeout=0.2)
    async with asyncio.timeout(DEADLINE):
        assert await app.wait() == 137


async def test_output_held_open_by_a_daemon_grandchild_does_not_hang_wait() -> None:
    printer = FakePrinter()
    code = (
        "import subprocess\n"
        "p = subprocess.Popen(['sleep', '60'])\n"  # inherits our stdout and outlives us
        "print(p.pid, flush=True)\n"
    )
    app = AppProcess(py(code), printer, drain_timeout=0.2)
    await app.start()
    async with asyncio.timeout(DEADLINE):
        assert await app.wait() == 0
    grandchild = int(printer.lines[0])
    assert not gone(grandchild)
    # The app is gone, but terminate() still clears what it left in its group.
    await app.terminate(grace=2.0)
    await until_gone(grandchild)


async def test_terminate_is_idempotent_and_safe_after_exit() -> None:
    app = AppProcess(py("raise SystemExit(5)"), FakePrinter())
    await app.start()
    async with asyncio.timeout(DEADLINE):
        assert await app.wait() == 5
        assert await app.terminate() == 5
        assert await app.terminate() == 5
    assert app.returncode == 5


async def test_concurrent_waiters_and_a_cancelled_wait_do_not_interfere() -> None:
    printer = FakePrinter()
    app = AppProcess(py("import time; time.sleep(60)"), printer)
    await app.start()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(app.wait(), timeout=0.05)
    async with asyncio.timeout(DEADLINE):
        results = await asyncio.gather(app.wait(), app.terminate(grace=2.0))
    assert results == [143, 143]


async def test_pid_is_the_group_leader() -> None:
    printer = FakePrinter()
    app = AppProcess(py("import time; print('ready', flush=True); time.sleep(60)"), printer)
    assert app.pid is None
    await app.start()
    assert app.pid is not None
    assert os.getpgid(app.pid) == app.pid
    assert os.getsid(app.pid) == app.pid
    await app.terminate(grace=2.0)


async def test_missing_command_is_an_app_start_error() -> None:
    app = AppProcess(["nod-daprlite-missing", "app.js"], FakePrinter())
    with pytest.raises(AppStartError) as info:
        await app.start()
    assert info.value.exit_code == 127
    assert str(info.value) == (
        "app command 'nod-daprlite-missing' not found: is it installed and on PATH?"
    )


async def test_not_executable_command_is_an_app_start_error(tmp_path: Path) -> None:
    script = tmp_path / "app.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(stat.S_IRUSR | stat.S_IWUSR)
    app = AppProcess([str(script)], FakePrinter())
    with pytest.raises(AppStartError, match="not executable") as info:
        await app.start()
    assert info.value.exit_code == 127


async def test_missing_working_directory_is_named(tmp_path: Path) -> None:
    app = AppProcess(py("pass"), FakePrinter(), cwd=tmp_path / "nope")
    with pytest.raises(AppStartError, match="does not exist"):
        await app.start()


async def test_empty_command_is_an_app_start_error() -> None:
    with pytest.raises(AppStartError, match="no app command"):
        await AppProcess([], FakePrinter()).start()

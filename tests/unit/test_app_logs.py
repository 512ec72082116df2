"""Multi-App Run log destinations: the Tee (file and console) writes through the app-output
writer thread, in order with the app's lines, never blocking its caller, and closes last."""

from __future__ import annotations

import io
from pathlib import Path

from daprlite.model.config import RunConfig
from daprlite.multiapp.logs import AppLogs, Tee
from daprlite.multiapp.template import TemplateApp
from daprlite.process.printer import LineWriter, Printer
from tests.process.streams import DEADLINE, GatedStream


def drained(writer: LineWriter) -> None:
    assert writer.drain(DEADLINE) == 0


def test_the_console_gets_colour_and_the_file_does_not() -> None:
    console, file, writer = io.StringIO(), io.StringIO(), LineWriter()
    tee = Tee(console, writer)
    tee.bind(file)
    tee.write("\x1b[34m== APP - a ==\x1b[0m hi\n")
    drained(writer)
    assert console.getvalue() == "\x1b[34m== APP - a ==\x1b[0m hi\n"
    assert file.getvalue() == "== APP - a == hi\n"


def test_app_lines_and_sidecar_lines_keep_one_order() -> None:
    console, writer = io.StringIO(), LineWriter()
    app_tee, daprd_tee = Tee(console, writer), Tee(console, writer)
    printer = Printer(app_tee, app_id="a", colour=False, writer=writer)
    for i in range(300):
        printer.line(f"app {i}")
        daprd_tee.write(f"daprd {i}\n")
    drained(writer)
    expected = [line for i in range(300) for line in (f"== APP - a == app {i}", f"daprd {i}")]
    assert console.getvalue().splitlines() == expected


def test_a_stuck_console_never_blocks_the_sidecar_and_drops_are_announced() -> None:
    console, file, writer = GatedStream(), io.StringIO(), LineWriter(max_lines=2)
    tee = Tee(console, writer)
    tee.bind(file)
    tee.write("first\n")
    assert console.entered.wait(DEADLINE)
    for i in range(10):
        tee.write(f"line {i}\n")  # returns at once: two wait, eight are dropped
    console.gate.set()
    drained(writer)
    assert file.getvalue().splitlines() == [
        "first",
        "line 0",
        "line 1",
        "[daprlite: 8 lines of sidecar log dropped here; the terminal or pipe was not keeping up]",
    ]
    assert console.getvalue() == file.getvalue()


def test_a_closed_console_pipe_leaves_the_file_going() -> None:
    class BrokenStream(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError

    file, writer = io.StringIO(), LineWriter()
    tee = Tee(BrokenStream(), writer)
    tee.bind(file)
    tee.write("one\n")
    tee.write("two\n")
    drained(writer)
    assert file.getvalue() == "one\ntwo\n"


def test_close_waits_for_the_lines_still_queued(tmp_path: Path) -> None:
    console, writer = GatedStream(), LineWriter()
    spec = TemplateApp(RunConfig(app_id="a"), tmp_path, app_log="fileAndConsole")
    logs = AppLogs(spec, console, writer)
    logs.open()
    printer = Printer(logs.app, app_id="a", colour=False, writer=writer)
    printer.line("first")
    assert console.entered.wait(DEADLINE)
    printer.line("last")
    logs.close()  # the app stopped; its last lines are still waiting for the console
    console.gate.set()
    drained(writer)
    assert logs.app_log_path is not None
    assert logs.app_log_path.read_text() == "== APP - a == first\n== APP - a == last\n"
    printer.line("after close")  # the console still gets it; the closed file is left alone
    drained(writer)
    assert console.getvalue().splitlines()[-1] == "== APP - a == after close"

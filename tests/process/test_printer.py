"""Printer: the `== APP ==` format, decoding, line splitting and when colour is used; its
writer thread: never blocking the caller, dropping with a notice when full, draining at exit."""

from __future__ import annotations

import asyncio
import io
import sys
import threading

import pytest

from daprlite.process import printer as printer_module
from daprlite.process.printer import LineWriter, Printer, drain_app_output
from tests.process.streams import DEADLINE, GatedStream


class TTYStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def written(out: io.StringIO, writer: LineWriter | None = None) -> str:
    """What `out` holds once the writer has written everything it was given."""
    assert (writer or printer_module.app_output()).drain(DEADLINE) == 0
    return out.getvalue()


def test_default_prefix_is_the_single_app_form() -> None:
    out = io.StringIO()
    Printer(out).line("{'data': {'orderId': 1}, 'operation': 'create'}")
    assert written(out) == "== APP == {'data': {'orderId': 1}, 'operation': 'create'}\n"


def test_app_id_gives_the_multi_app_form() -> None:
    out = io.StringIO()
    Printer(out, app_id="bindings-nodeapp").line("Hello from Kafka!")
    assert written(out) == "== APP - bindings-nodeapp == Hello from Kafka!\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain\n", "plain"),
        (b"windows\r\n", "windows"),
        (b"no newline", "no newline"),
        (b"", ""),
        ("caf\u00e9\n", "caf\u00e9"),
        ("caf\u00e9\n".encode(), "caf\u00e9"),
    ],
)
def test_line_strips_one_trailing_newline_and_decodes(data: bytes | str, expected: str) -> None:
    out = io.StringIO()
    Printer(out).line(data)
    assert written(out) == f"== APP == {expected}\n"


def test_invalid_utf8_is_replaced_not_raised() -> None:
    out = io.StringIO()
    Printer(out).line(b"bad \xff\xfe byte\n")
    assert written(out) == "== APP == bad \ufffd\ufffd byte\n"


def test_write_splits_lines_and_keeps_a_partial_last_line() -> None:
    out = io.StringIO()
    Printer(out).write(b"one\r\ntwo\n\nthree")
    assert written(out).splitlines() == [
        "== APP == one",
        "== APP == two",
        "== APP == ",
        "== APP == three",
    ]


def test_write_does_not_break_on_unicode_separators() -> None:
    out = io.StringIO()
    Printer(out).write("a\u2028b\x0bc\n")
    assert written(out) == "== APP == a\u2028b\x0bc\n"


def test_markup_and_escapes_are_written_verbatim() -> None:
    out = io.StringIO()
    Printer(out).line("[bold red]not markup[/] :smile: \x1b[31mraw\x1b[0m")
    assert written(out) == "== APP == [bold red]not markup[/] :smile: \x1b[31mraw\x1b[0m\n"


def test_every_line_is_flushed() -> None:
    class CountingStream(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    out = CountingStream()
    Printer(out).write("a\nb\n")
    written(out)
    assert out.flushes == 2


def test_colour_only_on_a_tty() -> None:
    plain, tty = io.StringIO(), TTYStream()
    Printer(plain, environ={}).line("x")
    Printer(tty, environ={}).line("x")
    assert written(plain) == "== APP == x\n"
    assert written(tty) == "\x1b[34m== APP ==\x1b[0m x\n"


def test_no_color_turns_colour_off_on_a_tty() -> None:
    tty = TTYStream()
    Printer(tty, environ={"NO_COLOR": "1"}).line("x")
    assert written(tty) == "== APP == x\n"


def test_empty_no_color_is_ignored() -> None:
    tty = TTYStream()
    Printer(tty, environ={"NO_COLOR": ""}).line("x")
    assert written(tty).startswith("\x1b[34m")


def test_explicit_colour_overrides_detection() -> None:
    out = io.StringIO()
    Printer(out, colour=True).line("x")
    assert written(out) == "\x1b[34m== APP ==\x1b[0m x\n"


def test_defaults_to_sys_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    Printer().line("to stdout")
    assert printer_module.app_output().drain(DEADLINE) == 0
    assert capsys.readouterr().out == "== APP == to stdout\n"


def test_a_closed_pipe_silences_the_printer() -> None:
    class BrokenStream(io.StringIO):
        writes = 0

        def write(self, s: str) -> int:
            self.writes += 1
            raise BrokenPipeError

    out = BrokenStream()
    printer = Printer(out)
    printer.line("first")
    written(out)
    printer.line("second")
    written(out)
    assert out.writes == 1


# --- the writer thread ----------------------------------------------------------------------


NOTICE = "[daprlite: {} of app output dropped here; the terminal or pipe was not keeping up]"


def test_a_stuck_stream_never_blocks_the_caller_and_drops_are_announced() -> None:
    out, writer = GatedStream(), LineWriter(max_lines=5)
    printer = Printer(out, writer=writer)
    printer.line("0")
    assert out.entered.wait(DEADLINE)  # the writer thread is now stuck on line 0
    for i in range(1, 20):
        printer.line(str(i))  # returns at once: 1-5 wait in the queue, 6-19 are dropped
    assert not out.gate.is_set()
    out.gate.set()
    assert written(out, writer).splitlines() == [
        *(f"== APP == {i}" for i in range(6)),
        "== APP == " + NOTICE.format("14 lines"),
    ]
    printer.line("after")
    assert written(out, writer).splitlines()[-1] == "== APP == after"


def test_a_gap_is_marked_before_the_next_line_that_fits() -> None:
    out, writer = GatedStream(), LineWriter(max_lines=100, max_chars=60)
    printer = Printer(out, app_id="checkout", writer=writer)
    printer.line("0")
    assert out.entered.wait(DEADLINE)
    printer.line("1")
    printer.line("x" * 50)  # more than the queue's character budget: dropped
    printer.line("2")
    out.gate.set()
    assert written(out, writer).splitlines() == [
        "== APP - checkout == 0",
        "== APP - checkout == 1",
        "== APP - checkout == " + NOTICE.format("1 line"),
        "== APP - checkout == 2",
    ]


def test_lines_of_each_printer_keep_their_order() -> None:
    out, writer = io.StringIO(), LineWriter()
    first = Printer(out, app_id="a", writer=writer)
    second = Printer(out, app_id="b", writer=writer)
    for i in range(2000):
        (first if i % 3 else second).line(str(i))
    lines = written(out, writer).splitlines()
    for app, printer in (("a", first), ("b", second)):
        head = f"{printer.prefix} "
        got = [int(line.removeprefix(head)) for line in lines if line.startswith(head)]
        assert got == [i for i in range(2000) if (i % 3 != 0) == (app == "a")]


def test_drain_gives_up_at_its_deadline_and_says_how_much_is_left() -> None:
    out, writer = GatedStream(), LineWriter()
    printer = Printer(out, writer=writer)
    printer.write("a\nb\nc\n")
    assert out.entered.wait(DEADLINE)
    assert writer.drain(0.05) == 3  # a is still being written
    out.gate.set()
    assert written(out, writer) == "== APP == a\n== APP == b\n== APP == c\n"


def test_drain_waits_only_for_what_was_queued_before_it() -> None:
    # A stopping app's drain must not wait on an app that goes on printing to a stuck stream.
    mine, theirs, writer = GatedStream(), GatedStream(), LineWriter()
    Printer(mine, writer=writer).line("mine")
    assert mine.entered.wait(DEADLINE)
    left: list[int] = []
    draining = threading.Thread(target=lambda: left.append(writer.drain(DEADLINE)))
    draining.start()
    with writer._cond:  # the drain's marker is queued behind "mine"
        assert writer._cond.wait_for(lambda: len(writer._jobs) == 1, DEADLINE)
    Printer(theirs, writer=writer).line("theirs")  # queued after the marker; never written
    mine.gate.set()
    draining.join(DEADLINE)
    assert left == [0]
    assert mine.getvalue() == "== APP == mine\n"
    assert theirs.getvalue() == ""
    theirs.gate.set()


async def test_drain_app_output_tells_stderr_when_the_terminal_stays_stuck(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, writer = GatedStream(), LineWriter()
    printer = Printer(out, writer=writer)
    printer.write("a\nb\nc\n")
    assert out.entered.wait(DEADLINE)
    assert not await drain_app_output(0.05, writer)
    assert "3 lines of app output were not printed within 0.05s" in capsys.readouterr().err
    out.gate.set()
    assert await drain_app_output(DEADLINE, writer)
    assert capsys.readouterr().err == ""


async def test_drain_app_output_without_any_output_returns_at_once() -> None:
    async with asyncio.timeout(DEADLINE):
        assert await drain_app_output(writer=LineWriter())


def test_without_a_stream_each_line_goes_to_the_stdout_of_its_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second, writer = io.StringIO(), io.StringIO(), LineWriter()
    monkeypatch.setattr(sys, "stdout", first)
    printer = Printer(writer=writer, colour=False)
    printer.line("one")
    written(first, writer)
    monkeypatch.setattr(sys, "stdout", second)  # what a rich spinner does while it turns
    printer.line("two")
    assert written(second, writer) == "== APP == two\n"
    assert first.getvalue() == "== APP == one\n"


def test_a_failing_stream_is_logged_once_and_other_printers_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class ClosedStream(io.StringIO):
        def write(self, s: str) -> int:
            raise ValueError("I/O operation on closed file")

    good, writer = io.StringIO(), LineWriter()
    bad = Printer(ClosedStream(), writer=writer)
    fine = Printer(good, writer=writer)
    bad.line("lost 1")
    bad.line("lost 2")
    fine.line("kept")
    assert written(good, writer) == "== APP == kept\n"
    failures = [r for r in caplog.records if r.message == "app output could not be written"]
    assert len(failures) == 1

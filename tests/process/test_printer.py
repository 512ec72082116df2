"""Printer: the `== APP ==` format, decoding, line splitting and when colour is used."""

from __future__ import annotations

import io

import pytest

from daprlite.process.printer import Printer


class TTYStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_default_prefix_is_the_single_app_form() -> None:
    out = io.StringIO()
    Printer(out).line("{'data': {'orderId': 1}, 'operation': 'create'}")
    assert out.getvalue() == "== APP == {'data': {'orderId': 1}, 'operation': 'create'}\n"


def test_app_id_gives_the_multi_app_form() -> None:
    out = io.StringIO()
    Printer(out, app_id="bindings-nodeapp").line("Hello from Kafka!")
    assert out.getvalue() == "== APP - bindings-nodeapp == Hello from Kafka!\n"


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
    assert out.getvalue() == f"== APP == {expected}\n"


def test_invalid_utf8_is_replaced_not_raised() -> None:
    out = io.StringIO()
    Printer(out).line(b"bad \xff\xfe byte\n")
    assert out.getvalue() == "== APP == bad \ufffd\ufffd byte\n"


def test_write_splits_lines_and_keeps_a_partial_last_line() -> None:
    out = io.StringIO()
    Printer(out).write(b"one\r\ntwo\n\nthree")
    assert out.getvalue().splitlines() == [
        "== APP == one",
        "== APP == two",
        "== APP == ",
        "== APP == three",
    ]


def test_write_does_not_break_on_unicode_separators() -> None:
    out = io.StringIO()
    Printer(out).write("a\u2028b\x0bc\n")
    assert out.getvalue() == "== APP == a\u2028b\x0bc\n"


def test_markup_and_escapes_are_written_verbatim() -> None:
    out = io.StringIO()
    Printer(out).line("[bold red]not markup[/] :smile: \x1b[31mraw\x1b[0m")
    assert out.getvalue() == "== APP == [bold red]not markup[/] :smile: \x1b[31mraw\x1b[0m\n"


def test_every_line_is_flushed() -> None:
    class CountingStream(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    out = CountingStream()
    Printer(out).write("a\nb\n")
    assert out.flushes == 2


def test_colour_only_on_a_tty() -> None:
    plain, tty = io.StringIO(), TTYStream()
    Printer(plain, environ={}).line("x")
    Printer(tty, environ={}).line("x")
    assert plain.getvalue() == "== APP == x\n"
    assert tty.getvalue() == "\x1b[34m== APP ==\x1b[0m x\n"


def test_no_color_turns_colour_off_on_a_tty() -> None:
    tty = TTYStream()
    Printer(tty, environ={"NO_COLOR": "1"}).line("x")
    assert tty.getvalue() == "== APP == x\n"


def test_empty_no_color_is_ignored() -> None:
    tty = TTYStream()
    Printer(tty, environ={"NO_COLOR": ""}).line("x")
    assert tty.getvalue().startswith("\x1b[34m")


def test_explicit_colour_overrides_detection() -> None:
    out = io.StringIO()
    Printer(out, colour=True).line("x")
    assert out.getvalue() == "\x1b[34m== APP ==\x1b[0m x\n"


def test_defaults_to_sys_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    Printer().line("to stdout")
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
    printer.line("second")
    assert out.writes == 1

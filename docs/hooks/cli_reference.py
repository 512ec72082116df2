"""MkDocs hook: a `<!-- cli: daprlite run -->` line in a page becomes that command's usage and
flag table, read from the Typer app itself, so the command pages cannot drift from the code;
a command no page documents fails the build."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = re.compile(r"^<!--\s*cli:\s*(daprlite(?:[ \t]+[a-z][a-z-]*)*)\s*-->[ \t]*$", re.MULTILINE)
INDEX_MARKER = re.compile(r"^<!--\s*cli-index\s*-->[ \t]*$", re.MULTILINE)
NONE = "–"

Command = typer.core.TyperCommand | typer.core.TyperGroup


@dataclass(frozen=True, slots=True)
class OptionRow:
    """One option as the table shows it: every long name, the short ones, default, help."""

    flags: tuple[str, ...]
    short: tuple[str, ...]
    default: str
    help: str


@dataclass(frozen=True, slots=True)
class DocumentedCommand:
    """A command with the Click context that names it (`daprlite components list`)."""

    name: str
    command: Command
    context: typer.Context


def load_app() -> typer.Typer:
    # Imported here so that importing this module (for its tests) needs no daprlite import.
    from daprlite.cli import app

    return app


def walk(app: typer.Typer) -> dict[str, DocumentedCommand]:
    """The root and every command under it, by full name, groups included."""
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    found: dict[str, DocumentedCommand] = {}

    def visit(command: Command, context: typer.Context, name: str) -> None:
        found[name] = DocumentedCommand(name, command, context)
        if isinstance(command, typer.core.TyperGroup):
            for sub_name, sub in sorted(command.commands.items()):
                if getattr(sub, "hidden", False):
                    continue
                assert isinstance(sub, typer.core.TyperCommand | typer.core.TyperGroup)
                sub_context = typer.Context(sub, info_name=sub_name, parent=context)
                visit(sub, sub_context, f"{name} {sub_name}")

    visit(root, typer.Context(root, info_name="daprlite"), "daprlite")
    return found


def leaf_names(commands: dict[str, DocumentedCommand]) -> list[str]:
    """The commands a user runs (not the groups that only hold others), plus the root's options."""
    return [
        name
        for name, entry in commands.items()
        if name == "daprlite" or not isinstance(entry.command, typer.core.TyperGroup)
    ]


def _default(option: typer.core.TyperOption) -> str:
    if option.required:
        return "required"
    value = option.default
    if option.is_flag and isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "" or value == ():
        return NONE
    return f"`{value}`"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def option_rows(command: Command) -> list[OptionRow]:
    """Every visible option of a command, in the order `--help` lists them."""
    rows = []
    for param in command.params:
        if not isinstance(param, typer.core.TyperOption) or param.hidden:
            continue
        names = [*param.opts, *param.secondary_opts]
        help_text = _one_line(param.help)
        if param.multiple and "repeatable" not in help_text.lower():
            help_text = f"{help_text} Repeatable.".strip()
        rows.append(
            OptionRow(
                flags=tuple(n for n in names if n.startswith("--")),
                short=tuple(n for n in names if not n.startswith("--")),
                default=_default(param),
                help=help_text,
            )
        )
    return rows


def _code(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) or NONE


def render(entry: DocumentedCommand) -> str:
    """The usage line, arguments and option table of one command, as Markdown."""
    command = entry.command
    usage = command.get_usage(entry.context).removeprefix("Usage: ")
    parts = [f"```\n{usage}\n```"]
    if entry.name != "daprlite":
        # The help text's paragraphs, each on one line as Markdown wants it.
        parts.extend(_one_line(p) for p in (command.help or "").split("\n\n") if p.strip())
    arguments = [p for p in command.params if isinstance(p, typer.core.TyperArgument)]
    if arguments:
        lines = ["| argument | required | |", "|---|---|---|"]
        for argument in arguments:
            # As the usage line spells it (`{name}`, `[command]...`).
            metavar = " ".join(argument.get_usage_pieces(entry.context))
            required = "yes" if argument.required else "no"
            lines.append(f"| `{metavar}` | {required} | {_cell(_one_line(argument.help))} |")
        parts.append("\n".join(lines))
    rows = option_rows(command)
    if rows:
        lines = ["| flag | short | default | |", "|---|---|---|---|"]
        for row in rows:
            lines.append(
                f"| {_code(row.flags)} | {_code(row.short)} | {_cell(row.default)} "
                f"| {_cell(row.help)} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def render_index(commands: dict[str, DocumentedCommand], pages: dict[str, str]) -> str:
    """A table of every command with its first help line, linked to its page (from `pages`)."""
    lines = ["| command | what it does |", "|---|---|"]
    for name in leaf_names(commands):
        if name == "daprlite":
            continue
        first_paragraph = (commands[name].command.help or "").split("\n\n")[0]
        summary = _one_line(first_paragraph).split(". ")[0].rstrip(".")
        link = f"[`{name}`]({pages[name]})" if name in pages else f"`{name}`"
        lines.append(f"| {link} | {_cell(summary)} |")
    return "\n".join(lines)


def expand(markdown: str, commands: dict[str, DocumentedCommand], where: str) -> str:
    """`markdown` with each marker replaced; a marker naming no command is an error."""

    def replace(match: re.Match[str]) -> str:
        name = " ".join(match.group(1).split())
        if name not in commands:
            raise PluginError(f"{where}: `<!-- cli: {name} -->` names no daprlite command")
        return render(commands[name])

    return MARKER.sub(replace, markdown)


def markers_in(markdown: str) -> list[str]:
    return [" ".join(m.group(1).split()) for m in MARKER.finditer(markdown)]


# The build's state between hook events: the commands, and which page documents each.
_commands: dict[str, DocumentedCommand] = {}
_pages: dict[str, str] = {}


def on_files(files: Files, config: Any) -> Files:
    """Find the page of every command; a command without one fails the build."""
    _commands.clear()
    _commands.update(walk(load_app()))
    _pages.clear()
    for file in files.documentation_pages():
        for name in markers_in(file.content_string):
            _pages[name] = file.src_uri
    missing = [name for name in leaf_names(_commands) if name not in _pages]
    if missing:
        raise PluginError(
            "no page documents "
            + ", ".join(f"`{n}`" for n in missing)
            + ": add a `<!-- cli: <command> -->` line to a page under docs/cli/"
        )
    return files


def on_page_markdown(markdown: str, page: Page, config: Any, files: Files) -> str:
    where = page.file.src_uri
    expanded = expand(markdown, _commands, where)
    if INDEX_MARKER.search(expanded):
        depth = where.count("/")
        links = {name: "../" * depth + uri for name, uri in _pages.items()}
        expanded = INDEX_MARKER.sub(lambda _: render_index(_commands, links), expanded)
    return expanded

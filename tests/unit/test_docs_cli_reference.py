"""The documentation site's generated command pages (docs/hooks/cli_reference.py) and its
offline check (docs/hooks/offline.py): every option of every command is in its page's table."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import typer
import typer.main
from mkdocs.exceptions import PluginError

from daprlite.cli import app as daprlite_app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _load(name: str) -> ModuleType:
    # MkDocs loads hooks by path, not as a package; so do the tests.
    spec = importlib.util.spec_from_file_location(
        f"docs_hooks_{name}", DOCS / "hooks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


cli_reference = _load("cli_reference")
offline = _load("offline")


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| `--")]


def _every_option(command: typer.core.TyperCommand | typer.core.TyperGroup) -> list[list[str]]:
    # Straight from Click's view of the command, not through the module under test.
    return [
        [*param.opts, *param.secondary_opts]
        for param in command.params
        if isinstance(param, typer.core.TyperOption) and not param.hidden
    ]


def test_every_option_of_every_command_is_a_row_of_its_table() -> None:
    commands = cli_reference.walk(daprlite_app)
    leaves = cli_reference.leaf_names(commands)
    assert {"daprlite run", "daprlite components validate", "daprlite stop"} <= set(leaves)
    for name in leaves:
        entry = commands[name]
        rows = _table_rows(cli_reference.render(entry))
        options = _every_option(entry.command)
        assert len(rows) == len(options), name
        for row, names in zip(rows, options, strict=True):
            for flag in names:
                assert f"`{flag}`" in row, (name, flag)


def test_groups_are_walked_down_to_their_commands() -> None:
    commands = cli_reference.walk(daprlite_app)
    assert "daprlite components" in commands
    assert "daprlite components" not in cli_reference.leaf_names(commands)
    root = typer.main.get_command(daprlite_app)
    assert isinstance(root, typer.core.TyperGroup)
    expected = set()
    for group_name, command in root.commands.items():
        if isinstance(command, typer.core.TyperGroup):
            expected |= {f"daprlite {group_name} {sub}" for sub in command.commands}
        else:
            expected.add(f"daprlite {group_name}")
    assert set(cli_reference.leaf_names(commands)) == expected | {"daprlite"}


def test_every_command_has_a_page_in_the_docs() -> None:
    documented = {
        name
        for page in (DOCS / "cli").glob("*.md")
        for name in cli_reference.markers_in(page.read_text(encoding="utf-8"))
    }
    commands = cli_reference.walk(daprlite_app)
    assert set(cli_reference.leaf_names(commands)) <= documented


def _sample_app() -> typer.Typer:
    sample = typer.Typer()

    @sample.command()
    def send(
        name: str = typer.Argument(..., help="What to send."),
        level: str = typer.Option("info", "--level", "-l", help="debug|info"),
        tag: list[str] = typer.Option(None, "--tag", "-t", help="A tag."),
        dry: bool = typer.Option(False, "--dry-run", help="Only say it."),
        target: str = typer.Option(..., "--target", help="Where to."),
    ) -> None:
        """Send something.

        A second paragraph."""

    @sample.command()
    def other() -> None:
        """Do the other thing. More words."""

    return sample


def test_a_row_shows_names_short_flags_default_and_help() -> None:
    commands = cli_reference.walk(_sample_app())
    markdown = cli_reference.render(commands["daprlite send"])
    assert "daprlite send [OPTIONS] {name}" in markdown
    assert "Send something.\n\nA second paragraph." in markdown
    assert "| `{name}` | yes | What to send. |" in markdown
    rows = _table_rows(markdown)
    assert rows == [
        "| `--level` | `-l` | `info` | debug\\|info |",
        "| `--tag` | `-t` | – | A tag. Repeatable. |",
        "| `--dry-run` | – | off | Only say it. |",
        "| `--target` | – | required | Where to. |",
    ]


def test_markers_expand_and_an_unknown_one_fails_the_build() -> None:
    commands = cli_reference.walk(_sample_app())
    page = "intro\n<!-- cli: daprlite  send -->\nafter\n"
    expanded = cli_reference.expand(page, commands, "cli/send.md")
    assert "<!--" not in expanded
    assert "| `--level` |" in expanded
    assert expanded.startswith("intro\n") and expanded.endswith("\nafter\n")
    with pytest.raises(PluginError, match=r"cli/x\.md: .*daprlite sned"):
        cli_reference.expand("<!-- cli: daprlite sned -->\n", commands, "cli/x.md")


def test_the_index_links_each_command_to_its_page() -> None:
    commands = cli_reference.walk(_sample_app())
    index = cli_reference.render_index(commands, {"daprlite send": "send.md"})
    assert "| [`daprlite send`](send.md) | Send something |" in index
    # A command without a known page is still listed, unlinked.
    assert "| `daprlite other` | Do the other thing |" in index


@pytest.mark.parametrize(
    ("html", "fetched"),
    [
        (
            '<script src="https://unpkg.com/iframe-worker/shim"></script>',
            ["https://unpkg.com/iframe-worker/shim"],
        ),
        ("<link rel=stylesheet href=//fonts.googleapis.com/css>", ["//fonts.googleapis.com/css"]),
        ('<img alt="x" src="http://example.org/a.png">', ["http://example.org/a.png"]),
        ("body{background:url( 'https://example.org/b.svg' )}", ["https://example.org/b.svg"]),
        ('@import "https://example.org/c.css";', ["https://example.org/c.css"]),
        ('<a href="https://example.org/">a plain link</a>', []),
        ('<script src="../assets/javascripts/bundle.js"></script>', []),
        ('<link rel="stylesheet" href="assets/stylesheets/main.css">', []),
    ],
)
def test_the_offline_check_finds_what_a_browser_would_fetch(html: str, fetched: list[str]) -> None:
    assert offline.external_fetches(html) == fetched


def test_the_built_theme_needs_no_network_by_configuration() -> None:
    # The one setting that, left out, makes every page load Google Fonts.
    config = (DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+font: false\s*(#.*)?$", config, re.MULTILINE)

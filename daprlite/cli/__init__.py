"""The `daprlite` command: one Typer app, one module per verb group."""

from __future__ import annotations

import typer

from daprlite import __version__
from daprlite.cli import binding as binding
from daprlite.cli import broker as broker
from daprlite.cli import components as components
from daprlite.cli import dashboard as dashboard
from daprlite.cli import list_stop as list_stop
from daprlite.cli import run as run
from daprlite.cli.environment import prepare_process

app = typer.Typer(
    name="daprlite",
    help="The `dapr run` workflow for Dapr bindings, without Dapr, Docker or Kubernetes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"daprlite {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-v", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """daprlite: Dapr bindings locally."""


run.register(app)
list_stop.register(app)
components.register(app)
broker.register(app)
binding.register(app)
dashboard.register(app)


def main() -> None:
    import sys

    prepare_process()
    app(args=run.bare_bool_flags(sys.argv[1:]))

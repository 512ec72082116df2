"""The `daprlite` command: one Typer app, one module per verb group."""

from __future__ import annotations

import typer

from daprlite import DAPR_API_VERSION, DAPR_RUNTIME_COMPAT, __version__
from daprlite.cli import binding as binding
from daprlite.cli import broker as broker
from daprlite.cli import components as components
from daprlite.cli import dashboard as dashboard
from daprlite.cli import list_stop as list_stop
from daprlite.cli import run as run
from daprlite.cli.environment import prepare_process

# Start-up time: every command module is imported to build the app (and `--help`), so each
# imports its heavy libraries (aiohttp, the runtime, rich, yaml) inside the functions that use
# them; `daprlite --help`, `--version` and `list` pay only for Typer and what they touch.

app = typer.Typer(
    name="daprlite",
    help="The `dapr run` workflow for Dapr bindings, without Dapr, Docker or Kubernetes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def version_text() -> str:
    """What `daprlite --version` prints: daprlite's own version and the versions it follows."""
    # Here, not at the top: the localkafka package pulls in confluent-kafka's admin client,
    # which `daprlite run` would otherwise load before its ports open.
    from daprlite.localkafka import KAFKA_VERSION

    return (
        f"daprlite {__version__}\n"
        f"Apache Kafka {KAFKA_VERSION} (the broker `daprlite init` provisions)\n"
        f"Dapr runtime {DAPR_RUNTIME_COMPAT}, API {DAPR_API_VERSION} (the bindings behaviour "
        "daprlite mirrors)"
    )


def _version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-v",
        callback=_version,
        is_eager=True,
        help="Show daprlite's version, the Kafka version it provisions and the Dapr version it "
        "mirrors.",
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

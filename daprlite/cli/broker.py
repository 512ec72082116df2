"""`daprlite init|status|uninstall`: the local Apache Kafka broker, managed like `dapr init`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator

import typer
from rich.console import Console
from rich.table import Table

from daprlite import console
from daprlite.cli.edge import reported
from daprlite.localkafka import DEFAULT_PORT, BrokerStatus, LocalBroker, default_settings

# Tests swap this for a fake; everything else goes through the real broker.
broker_factory: Callable[..., LocalBroker] = LocalBroker


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)
    app.command("uninstall")(uninstall)


def init(
    kafka_port: int = typer.Option(
        DEFAULT_PORT, "--kafka-port", help="Port of the broker's PLAINTEXT listener on 127.0.0.1."
    ),
    timeout: float = typer.Option(
        120.0, "--timeout", help="Seconds to wait for the broker to answer once started."
    ),
) -> None:
    """Download (once) and start a local Apache Kafka broker in KRaft mode."""
    with reported(), _spinner() as progress:
        broker = broker_factory(default_settings(port=kafka_port), progress=progress)
        current = broker.status()
        if current.running:
            console.info(
                f"Apache Kafka {current.version} is already running on {current.bootstrap} "
                f"(pid {current.pid})"
            )
            if current.port != kafka_port:
                console.warning(
                    f"it listens on port {current.port}, not {kafka_port}: "
                    "run `daprlite uninstall` first to move it"
                )
            return
        broker.start(timeout=timeout)
        done = broker.status()
    console.success(
        f"Apache Kafka {done.version} is running on {done.bootstrap} (pid {done.pid}); "
        f"log: {done.log_file}"
    )


def status(
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
) -> None:
    """Show whether the local Kafka broker runs, and where its files are."""
    with reported():
        info = broker_factory(default_settings()).status()
    if output == "json":
        typer.echo(json.dumps(_as_dict(info), indent=2))
        return
    # One row per field: paths stay whole at any terminal width.
    table = Table("FIELD", "VALUE", header_style="bold", box=None, show_header=False)
    if info.running:
        state = "[green]running[/green]"
    else:
        state = "[red]stopped[/red]" if info.formatted else "not initialised (run `daprlite init`)"
    rows = [
        ("Kafka", state),
        ("PID", str(info.pid) if info.pid else "-"),
        ("Bootstrap", info.bootstrap),
        ("Controller port", str(info.controller_port)),
        ("Version", info.version),
        ("Data dir", str(info.data_dir)),
        ("Log file", str(info.log_file)),
        ("Jars", f"{info.libs_dir}" + ("" if info.installed else " (not downloaded)")),
    ]
    for name, value in rows:
        table.add_row(name, value, style=None)
    Console(soft_wrap=True, highlight=False).print(table)


def uninstall(
    remove_all: bool = typer.Option(
        False, "--all", help="Also delete the downloaded Kafka jars (the cache)."
    ),
) -> None:
    """Stop the local Kafka broker and delete its data."""
    with reported():
        broker = broker_factory(default_settings(), progress=console.info)
        broker.uninstall(remove_cache=remove_all)
    kept = "" if remove_all else f" (kept the jar cache in {broker.settings.dist_root})"
    console.success(f"Removed the local Kafka broker and its data{kept}")


def _as_dict(info: BrokerStatus) -> dict[str, object]:
    return {
        "running": info.running,
        "pid": info.pid,
        "host": info.host,
        "port": info.port,
        "controllerPort": info.controller_port,
        "version": info.version,
        "dataDir": str(info.data_dir),
        "logFile": str(info.log_file),
        "libsDir": str(info.libs_dir),
        "installed": info.installed,
    }


@contextlib.contextmanager
def _spinner() -> Iterator[Callable[[str], None]]:
    """A rich spinner showing the current step on a terminal; plain ℹ️ lines otherwise."""
    if not sys.stdout.isatty():
        yield console.info
        return
    with Console().status("Preparing Apache Kafka") as spinner:

        def progress(message: str) -> None:
            spinner.console.print(f"ℹ️  {message}")
            spinner.update(message)

        yield progress

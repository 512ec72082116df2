"""`daprlite init|status|uninstall`: the local Apache Kafka broker (or a cluster of them, with
`init --brokers N`), managed like `dapr init`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from daprlite import console
from daprlite.cli.edge import reported
from daprlite.localkafka import (
    DEFAULT_PORT,
    MAX_NODES,
    BrokerSettings,
    BrokerStatus,
    LocalBroker,
    LocalCluster,
    default_settings,
    installed_cluster,
    new_cluster,
)
from daprlite.model.errors import BrokerError
from daprlite.process import manifest
from daprlite.process.defaults import default_resources

# rich is imported inside the functions that draw with it: `daprlite --help` and the other
# commands do not pay for it (see cli/__init__.py).

# Tests swap these for fakes; everything else goes through the real broker and cluster.
broker_factory: Callable[..., LocalBroker] = LocalBroker
cluster_loader: Callable[..., LocalCluster | None] = installed_cluster
cluster_factory: Callable[..., LocalCluster] = new_cluster


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
    brokers: int | None = typer.Option(
        None,
        "--brokers",
        help=f"Nodes of the local Kafka, 1 to {MAX_NODES}; more than 1 is a KRaft cluster on "
        "--kafka-port, +2, +4, ... [default: 1, or the size of the cluster set up before]",
        show_default=False,
    ),
) -> None:
    """Download (once) and start a local Apache Kafka broker (or cluster) in KRaft mode, and
    write the default components and config.yaml into $DAPRLITE_HOME, as `dapr init` does."""
    with reported(), _spinner() as progress:
        base = default_settings(port=kafka_port)
        if brokers is not None and not 1 <= brokers <= MAX_NODES:
            raise BrokerError(f"--brokers must be between 1 and {MAX_NODES}, not {brokers}")
        cluster = _cluster_to_start(base, brokers, progress)
        if cluster is not None:
            bootstrap = _init_cluster(cluster, kafka_port, timeout)
        else:
            bootstrap = _init_broker(base, kafka_port, timeout, progress)
        _write_defaults(base.home, bootstrap)


def _init_broker(
    base: BrokerSettings, kafka_port: int, timeout: float, progress: Callable[[str], None]
) -> str:
    broker = broker_factory(base, progress=progress)
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
        return current.bootstrap
    broker.start(timeout=timeout)
    done = broker.status()
    console.success(
        f"Apache Kafka {done.version} is running on {done.bootstrap} (pid {done.pid}); "
        f"log: {done.log_file}"
    )
    return done.bootstrap


def _write_defaults(home: Path, bootstrap: str) -> None:
    """The default resources for this broker; a file the user changed is kept and named."""
    outcome = manifest.write_files(home, default_resources(home, bootstrap))
    for path in outcome.kept:
        console.warning(f"kept {path}: it was changed since `daprlite init` wrote it")
    if outcome.done:
        console.success(
            f"Default components in {home / 'components'} and config in {home / 'config.yaml'} "
            f"(Kafka binding on {bootstrap}); `daprlite run` uses them"
        )
    elif not outcome.kept:
        console.info(f"Default components in {home / 'components'} are up to date")


def _cluster_to_start(
    base: BrokerSettings, brokers: int | None, progress: Callable[[str], None]
) -> LocalCluster | None:
    """The cluster `init` should start, or None for today's single broker. A home holds one
    layout at a time: changing it would orphan the other's data, so that takes an uninstall."""
    existing = cluster_loader(base, progress=progress)
    size = brokers if brokers is not None else (existing.size if existing else 1)
    if existing is not None:
        if size != existing.size:
            raise BrokerError(
                f"a local Kafka cluster of {existing.size} nodes is set up in {base.root}: run "
                f"`daprlite uninstall` first to make one of {size}"
            )
        return existing
    if size == 1:
        return None
    single = broker_factory(base).status()
    if single.running or single.formatted:
        raise BrokerError(
            f"a single local Kafka broker is set up in {base.root}: run `daprlite uninstall` "
            f"first to make a cluster of {size}"
        )
    return cluster_factory(base, size, progress=progress)


def _init_cluster(cluster: LocalCluster, kafka_port: int, timeout: float) -> str:
    before = cluster.status(leader_timeout=2.0)
    if before.running == cluster.size:
        console.info(
            f"Apache Kafka {before.version} is already running as a {cluster.size}-node "
            f"cluster on {before.bootstrap}"
        )
    else:
        cluster.start(timeout=timeout)
    first_port = cluster.nodes[0].settings.port
    if first_port != kafka_port:
        console.warning(
            f"its first node listens on port {first_port}, not {kafka_port}: "
            "run `daprlite uninstall` first to move it"
        )
    if before.running == cluster.size:
        return before.bootstrap
    done = cluster.status(leader_timeout=2.0)
    logs = cluster.base.root / "nodes" / "<id>" / "logs" / "server.log"
    console.success(
        f"Apache Kafka {done.version} is running as a {cluster.size}-node cluster on "
        f"{done.bootstrap}; logs: {logs}"
    )
    return done.bootstrap


def status(
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
) -> None:
    """Show whether the local Kafka broker (or each node of the cluster) runs, and where its
    files are."""
    from rich.console import Console
    from rich.table import Table

    from daprlite.cli import cluster_view

    with reported():
        cluster = cluster_loader(default_settings())
        if cluster is not None:
            cluster_info = cluster.status()
            if output == "json":
                typer.echo(json.dumps(cluster_view.as_dict(cluster_info), indent=2))
            else:
                cluster_view.print_table(cluster_info)
            return
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
    """Stop the local Kafka broker (every node of a cluster), delete its data, and remove the
    default components and config.yaml of `daprlite init` (a file you changed stays)."""
    with reported():
        settings = default_settings()
        cluster = cluster_loader(settings, progress=console.info)
        what = "broker"
        if cluster is not None:
            cluster.uninstall(remove_cache=remove_all)
            what = f"cluster ({cluster.size} nodes)"
        broker = broker_factory(settings, progress=console.info)
        broker.uninstall(remove_cache=remove_all)
        removed = manifest.remove_files(settings.home)
        _remove_if_empty(settings.home / "runs", settings.home)
    kept = "" if remove_all else f" (kept the jar cache in {broker.settings.dist_root})"
    console.success(f"Removed the local Kafka {what} and its data{kept}")
    if removed.done:
        console.success(f"Removed the default components and config.yaml from {settings.home}")
    for path in removed.kept:
        console.warning(f"kept {path}: it was changed since `daprlite init` wrote it")


def _remove_if_empty(*folders: Path) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


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
    from rich.console import Console

    with Console().status("Preparing Apache Kafka") as spinner:

        def progress(message: str) -> None:
            spinner.console.print(f"ℹ️  {message}")
            spinner.update(message)

        yield progress

"""How `daprlite status` shows a local Kafka cluster: a summary, then one row per node."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from daprlite.localkafka import ClusterStatus
from daprlite.localkafka.topology import min_insync_replicas, replication_factor


def as_dict(info: ClusterStatus) -> dict[str, object]:
    size = len(info.nodes)
    return {
        "running": info.running == size,
        "nodesRunning": info.running,
        "bootstrap": info.bootstrap,
        "version": info.version,
        "replicationFactor": replication_factor(size),
        "minInsyncReplicas": min_insync_replicas(size),
        "root": str(info.root),
        "libsDir": str(info.libs_dir),
        "installed": info.installed,
        "nodes": [
            {
                "id": node.node_id,
                "role": node.roles,
                "port": node.port,
                "controllerPort": node.controller_port,
                "pid": node.pid,
                "leaders": node.leaders,
                "alive": node.alive,
            }
            for node in info.nodes
        ],
    }


def print_table(info: ClusterStatus) -> None:
    size = len(info.nodes)
    if info.running == size:
        state = f"[green]running[/green] ({size} nodes)"
    elif info.running:
        state = f"[yellow]degraded[/yellow] ({info.running} of {size} nodes running)"
    else:
        state = f"[red]stopped[/red] ({size} nodes; `daprlite init` starts them)"
    summary = Table("FIELD", "VALUE", box=None, show_header=False)
    rows = [
        ("Kafka", state),
        ("Bootstrap", info.bootstrap),
        ("Version", info.version),
        (
            "Replication",
            f"factor {replication_factor(size)}, min.insync.replicas {min_insync_replicas(size)}",
        ),
        ("Home", f"{info.root} (each node under nodes/<id>)"),
        ("Jars", f"{info.libs_dir}" + ("" if info.installed else " (not downloaded)")),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    nodes = Table("ID", "ROLE", "PORT", "CONTROLLER", "PID", "LEADERS", "ALIVE", box=None)
    for node in info.nodes:
        nodes.add_row(
            str(node.node_id),
            node.roles,
            str(node.port),
            str(node.controller_port) if node.controller_port is not None else "-",
            str(node.pid) if node.pid else "-",
            str(node.leaders) if node.leaders is not None else "?",
            "[green]yes[/green]" if node.alive else "[red]no[/red]",
        )
    out = Console(soft_wrap=True, highlight=False)
    out.print(summary)
    out.print()
    out.print(nodes)

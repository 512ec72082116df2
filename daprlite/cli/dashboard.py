"""`daprlite dashboard`: the local web page over every running `daprlite run` (single and
Multi-App), bound to 127.0.0.1, with nothing loaded from elsewhere and no telemetry."""

from __future__ import annotations

import errno
import socket

import typer

from daprlite import console
from daprlite.model.errors import ExitCode

# asyncio and the page's server (aiohttp) are imported inside the command: `daprlite --help`
# and the other commands start without them (see cli/__init__.py).

DEFAULT_PORT = 8080  # the removed `dapr dashboard`'s


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)


def dashboard(
    port: int = typer.Option(
        DEFAULT_PORT, "--port", "-p", help="Port of the page; 0 picks a free one."
    ),
    address: str = typer.Option(
        "127.0.0.1",
        "--address",
        "-a",
        help="Address to listen on. Any but loopback makes the page reachable from other "
        "machines, and the page can send to your output bindings.",
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warn or error."),
) -> None:
    """Start the dashboard: apps, bindings, Kafka partitions, a live tail and traces."""
    if not 0 <= port <= 65535:
        console.failure(f"--port must be between 0 and 65535, not {port}")
        raise typer.Exit(ExitCode.USAGE)
    from daprlite.cli.signals import run_loop
    from daprlite.dashboard import server

    try:
        sock = server.bind(address, port)
    except OSError as exc:
        console.failure(_bind_problem(address, port, exc))
        raise typer.Exit(ExitCode.ERROR) from None
    console.setup_logging("dashboard", log_level)
    raise typer.Exit(run_loop(_serve(sock)))


def _bind_problem(address: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {address} is already in use: choose another with --port "
            "(--port 0 picks a free one)"
        )
    if exc.errno in (errno.EADDRNOTAVAIL, None):
        return f"cannot listen on {address}: no such local address"
    return f"cannot listen on {address}:{port}: {exc.strerror or exc}"


async def _serve(sock: socket.socket) -> int:
    import asyncio
    import signal

    from daprlite.dashboard import server

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def ready(url: str) -> None:
        console.success(f"Dapr Dashboard running on {url}")
        console.info("Press Ctrl-C to stop it")

    await server.serve(sock, ready, stop)
    return int(ExitCode.OK)

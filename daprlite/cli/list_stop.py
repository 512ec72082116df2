"""`daprlite list` and `daprlite stop`: the running `daprlite run`s here, read from run files."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import typer

from daprlite import console
from daprlite.model.config import api_token_from_env
from daprlite.model.errors import ConfigError, DaprliteError, ExitCode, SidecarError
from daprlite.process.runs import RunEntry, live_entries, pid_started_at, runs_dir

# yaml, rich, urllib.request and the run-template reader are imported where they are used, so
# that `daprlite list` with nothing running starts in a blink (see cli/__init__.py).

_COLUMNS = ("APP ID", "HTTP PORT", "GRPC PORT", "APP PORT", "METRICS PORT",
            "COMMAND", "AGE", "CREATED",
            "DAPRD PID", "CLI PID", "APP PID", "RUN_TEMPLATE_PATH", "APP_LOG_PATH",
            "DAPRD_LOG_PATH")  # fmt: skip
_FORMATS = ("table", "json", "yaml")
_POLL = 0.1


def register(app: typer.Typer) -> None:
    app.command("list")(list_runs)
    app.command("stop")(stop)


def list_runs(
    output: str = typer.Option("table", "--output", "-o", help="table, json or yaml."),
) -> None:
    """List every running `daprlite run` (each app of a Multi-App Run on its own row)."""
    if output not in _FORMATS:
        console.failure(f"--output must be one of {', '.join(_FORMATS)}, not {output!r}")
        raise typer.Exit(ExitCode.USAGE)
    rows = [as_dict(entry) for entry in live_entries()]
    if output == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif output == "yaml":
        import yaml

        typer.echo(yaml.safe_dump(rows, sort_keys=False), nl=False)
    elif not rows:
        typer.echo("No Dapr instances found.")
    else:
        _print_table(rows)


def as_dict(entry: RunEntry, now: float | None = None) -> dict[str, Any]:
    """The dapr CLI's `list -o json` keys; daprlite is sidecar and CLI, so both pids are its own."""
    return {
        "appId": entry.app_id,
        "httpPort": entry.http_port,
        "grpcPort": entry.grpc_port,
        "appPort": entry.app_port,
        "metricsEnabled": entry.metrics_port > 0,
        "command": entry.command,
        "age": age(entry.created, now),
        "created": time.strftime("%Y-%m-%d %H:%M.%S", time.localtime(entry.created)),
        "daprdPid": entry.cli_pid,
        "cliPid": entry.cli_pid,
        "appPid": entry.app_pid,
        "maxRequestBodySize": entry.max_request_body_mb,
        "httpReadBufferSize": entry.read_buffer_kb,
        "runTemplatePath": entry.run_template_path,
        "appLogPath": entry.app_log_path,
        "daprdLogPath": entry.daprd_log_path,
        "runTemplateName": entry.run_template_name,
        # Not in dapr list's output: daprlite adds it, after Dapr's keys, so a scraper (or a
        # dashboard) can find each sidecar's metrics endpoint.
        "metricsPort": entry.metrics_port,
    }


def age(created: float, now: float | None = None) -> str:
    """`42s`, `5m`, `3h`, `2d`: the dapr CLI's AGE column."""
    seconds = max(0.0, (time.time() if now is None else now) - created)
    if seconds <= 60:
        return f"{int(seconds)}s"
    if seconds <= 3600:
        return f"{int(seconds // 60)}m"
    if seconds <= 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    command = row["command"]
    if len(command) > 20:  # the dapr CLI's table cuts the command at 20 characters
        command = command[:17] + "..."
    values = (row["appId"], row["httpPort"], row["grpcPort"], row["appPort"], row["metricsPort"],
              command,
              row["age"], row["created"], row["daprdPid"], row["cliPid"], row["appPid"],
              row["runTemplatePath"], row["appLogPath"], row["daprdLogPath"])  # fmt: skip
    return tuple(str(v) if v not in ("", 0) else "" for v in values)


def _print_table(rows: list[dict[str, Any]]) -> None:
    cells = [_cells(row) for row in rows]
    if not sys.stdout.isatty():
        # Pipes get plain aligned columns (grep/awk friendly): no box, no colour, no wrapping.
        widths = [max(map(len, column)) for column in zip(_COLUMNS, *cells, strict=True)]
        for line in (_COLUMNS, *cells):
            typer.echo("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*_COLUMNS, header_style="bold", box=None, pad_edge=False)
    for line in cells:
        table.add_row(*line)
    Console(soft_wrap=True).print(table)


def stop(
    ids: list[str] = typer.Argument(None, help="App ids to stop (same as --app-id)."),
    app_ids: list[str] = typer.Option(None, "--app-id", "-a", help="App id to stop (repeatable)."),
    run_file: Path | None = typer.Option(
        None, "--run-file", "-f", help="Stop every app of this Multi-App Run template."
    ),
    timeout: float = typer.Option(
        15.0, "--timeout", help="Seconds to wait for a graceful stop before SIGKILL."
    ),
) -> None:
    """Stop apps by id, or every app of a Multi-App Run template, gracefully.

    Each sidecar drains its inputs and commits, then stops its app; SIGKILL after --timeout.
    """
    wanted = [*(ids or []), *(app_ids or [])]
    if not wanted and run_file is None:
        console.failure("give an app id (--app-id ID) or a run template (-f dapr.yaml)")
        raise typer.Exit(ExitCode.USAGE)
    failed = False
    entries = live_entries()
    if run_file is not None:
        failed |= not _stop_template(run_file, entries, timeout)
    for app_id in wanted:
        mine = [e for e in entries if e.app_id == app_id]
        if not mine:
            console.failure(f"failed to stop app id {app_id}: couldn't find app id {app_id}")
            failed = True
            continue
        try:
            for entry in mine:
                _stop_app(entry, timeout)
        except DaprliteError as exc:
            console.failure(f"failed to stop app id {app_id}: {exc}")
            failed = True
            continue
        console.success(f"app stopped successfully: {app_id}")
    if failed:
        raise typer.Exit(ExitCode.ERROR)


def _stop_template(given: Path, entries: list[RunEntry], timeout: float) -> bool:
    try:
        from daprlite.multiapp.template import template_path

        path = str(template_path(given))
    except ConfigError as exc:
        console.failure(str(exc))
        return False
    pids = {(e.cli_pid, e.cli_started) for e in entries if e.run_template_path == path}
    if not pids:
        console.failure(f"failed to stop the apps of {path}: no Multi-App Run of it is running")
        return False
    for pid, started in pids:
        apps = [e.app_pid for e in entries if e.cli_pid == pid and e.app_pid]
        _terminate(pid, started, apps, timeout)
    console.success("Dapr and app processes stopped successfully")
    return True


def _stop_app(entry: RunEntry, timeout: float) -> None:
    if not entry.multi_app:
        _terminate(entry.cli_pid, entry.cli_started, [entry.app_pid] if entry.app_pid else [],
                   timeout)  # fmt: skip
        return
    # One app of a Multi-App Run: a signal would stop every app, so ask that app's own sidecar
    # to shut down (it drains, commits, stops its app) and leave the others running.
    _post_shutdown(entry.http_port)

    def busy() -> bool:
        return (entry.app_pid > 0 and _alive(entry.app_pid)) or _entry_file_exists(entry)

    if not _wait(busy, timeout) and entry.app_pid:
        _kill_group(entry.app_pid)


def _post_shutdown(port: int) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1.0/shutdown", method="POST")
    if token := api_token_from_env():
        request.add_header("dapr-api-token", token)
    try:
        with urllib.request.urlopen(request, timeout=5.0):
            pass
    except urllib.error.HTTPError as exc:
        hint = " (set DAPR_API_TOKEN to the run's token)" if exc.code == 401 else ""
        raise SidecarError(f"its sidecar refused to shut down: HTTP {exc.code}{hint}") from exc
    except OSError as exc:
        raise SidecarError(f"its sidecar on port {port} did not answer: {exc}") from exc


def _terminate(pid: int, started: float, app_pids: list[int], timeout: float) -> None:
    """SIGTERM to daprlite (it drains, commits, stops its apps), SIGKILL after `timeout`."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if _wait(lambda: pid_started_at(pid, started), timeout):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    # The apps run in sessions of their own: SIGKILL to daprlite would orphan them.
    for app_pid in app_pids:
        _kill_group(app_pid)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of a live daprlite still answers kill(0); psutil tells the difference.
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _entry_file_exists(entry: RunEntry) -> bool:
    return (runs_dir() / entry.file_name).exists()


def _wait(busy: Callable[[], bool], timeout: float) -> bool:
    """Poll until `busy()` is false; False if it still is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while busy():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True

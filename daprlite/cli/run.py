"""`daprlite run`: flags → RunConfig → an embedded sidecar beside the app, as `dapr run` does."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal, cast

import typer

from daprlite import console
from daprlite.cli.signals import handle_stop_signals, run_loop
from daprlite.config import LogLevel, RunConfig, default_components_path
from daprlite.errors import ConfigError, DaprliteError
from daprlite.process import runs
from daprlite.runtime.sidecar import Sidecar

log = logging.getLogger("daprlite.cli")

_LOG_LEVELS = ("debug", "info", "warn", "error", "fatal", "panic")


def register(app: typer.Typer) -> None:
    app.command(
        "run",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        help="Run an app beside an embedded Dapr sidecar (bindings API). "
        "Put the app's command after `--`; flags may also follow the command, as with dapr run.",
    )(run)


def run(
    command: list[str] = typer.Argument(None, help="The app's command and its arguments."),
    app_id: str = typer.Option("", "--app-id", "-a", help="The id of your app."),
    app_port: int = typer.Option(0, "--app-port", "-p", help="The port your app listens on."),
    dapr_http_port: int = typer.Option(
        0, "--dapr-http-port", "-H", help="The sidecar's HTTP port (default: a free port)."
    ),
    dapr_grpc_port: int = typer.Option(
        0, "--dapr-grpc-port", "-G", help="The sidecar's gRPC port (default: a free port)."
    ),
    components_path: list[Path] = typer.Option(
        None,
        "--components-path",
        "--resources-path",
        "-d",
        help="Folder of component YAML files (repeatable). Default: $DAPRLITE_HOME/components.",
    ),
    app_protocol: str = typer.Option(
        "http", "--app-protocol", "-P", help="How the app is reached: http or grpc (AppCallback)."
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug|info|warn|error|fatal|panic"),
    log_as_json: bool = typer.Option(False, "--log-as-json", help="Sidecar logs as JSON."),
    app_startup_timeout: float = typer.Option(
        60.0, "--app-startup-timeout", help="Seconds to wait for the app to open --app-port."
    ),
    run_file: Path | None = typer.Option(
        None,
        "--run-file",
        "-f",
        help="Multi-App Run: a dapr.yaml run template (or its folder); runs all its apps.",
    ),
) -> None:
    try:
        if run_file is not None:
            from daprlite.cli.run_template import run_template

            if command or app_id:
                console.warning("--run-file is given: the app command and --app-id are ignored")
            console.setup_logging("daprlite", log_level, log_as_json)
            raise typer.Exit(run_template(run_file, log_as_json))
        config = _build_config(
            command or [], app_id, app_port, dapr_http_port, dapr_grpc_port,
            components_path or [], app_protocol, log_level, log_as_json, app_startup_timeout,
        )  # fmt: skip
        console.setup_logging(config.app_id, config.log_level, config.log_as_json)
        code = _run_sidecar(config)
    except DaprliteError as exc:
        console.failure(str(exc))
        if log_level == "debug":
            log.exception("details")
        raise typer.Exit(int(exc.exit_code)) from None
    raise typer.Exit(code)


def _build_config(
    command: list[str],
    app_id: str,
    app_port: int,
    http_port: int,
    grpc_port: int,
    paths: list[Path],
    app_protocol: str,
    log_level: str,
    log_as_json: bool,
    app_startup_timeout: float,
) -> RunConfig:
    if command and command[0] == "--":
        command = command[1:]
    if not app_id:
        raise ConfigError("--app-id is required (e.g. --app-id bindings-nodeapp)")
    if "." in app_id:
        raise ConfigError(f"--app-id cannot contain dots: {app_id}")
    if app_protocol not in ("http", "grpc"):
        raise ConfigError(f"--app-protocol must be http or grpc, not {app_protocol}")
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"--log-level must be one of {', '.join(_LOG_LEVELS)}")
    for port, flag in ((app_port, "--app-port"), (http_port, "--dapr-http-port"),
                       (grpc_port, "--dapr-grpc-port")):  # fmt: skip
        if not 0 <= port <= 65535:
            raise ConfigError(f"{flag} must be a port number (1-65535), not {port}")
    return RunConfig(
        app_id=app_id,
        command=tuple(command),
        app_port=app_port or None,
        dapr_http_port=http_port,
        dapr_grpc_port=grpc_port,
        components_paths=tuple(paths) if paths else (default_components_path(),),
        app_protocol=cast(Literal["http", "grpc"], app_protocol),
        log_level=cast(LogLevel, log_level),
        log_as_json=log_as_json,
        app_startup_timeout=app_startup_timeout,
        api_token=os.environ.get("DAPR_API_TOKEN") or None,
        app_api_token=os.environ.get("APP_API_TOKEN") or None,
    )


def _run_sidecar(config: RunConfig) -> int:
    return run_loop(_serve(config))


async def _serve(config: RunConfig) -> int:
    entries: list[runs.RunEntry] = []

    def record(sidecar: Sidecar) -> None:
        # For `daprlite list` and `daprlite stop`: written once the ports are known.
        entry = sidecar.run_entry()
        runs.write_entry(entry)
        entries.append(entry)

    sidecar = Sidecar(config, on_started=record)
    handle_stop_signals(
        stopping=lambda: sidecar.stopping,
        request_stop=sidecar.request_stop,
        app_pids=lambda: [sidecar.app.pid] if sidecar.app and sidecar.app.pid else [],
        announce="terminated signal received: shutting down",
    )
    try:
        return await sidecar.run()
    finally:
        for entry in entries:
            runs.remove_entry(entry)

"""`daprlite run`: flags → RunConfig → an embedded sidecar beside the app, as `dapr run` does."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from daprlite import console
from daprlite.cli.edge import reported
from daprlite.model.errors import ConfigError, ExitCode
from daprlite.process.defaults import default_config_path

# The sidecar (aiohttp, grpc, the bindings registry) is imported inside the functions that run
# it: every other command, and `--help`, starts without paying for it (see cli/__init__.py).
if TYPE_CHECKING:
    from daprlite.model.config import RunConfig


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
    config_file: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="A Dapr Configuration file: spec.tracing (spans, trace export) and spec.metrics. "
        "Default: $DAPRLITE_HOME/config.yaml when it exists (`daprlite init` writes it).",
    ),
    # A Go bool flag: `--enable-metrics=false` turns it off; main() turns a bare
    # `--enable-metrics` into `--enable-metrics=true`, since Click options take a value or none.
    enable_metrics: str = typer.Option(
        "true",
        "--enable-metrics",
        metavar="BOOL",
        help="Serve Prometheus metrics (default true; --enable-metrics=false to turn off).",
    ),
    metrics_port: int = typer.Option(
        0, "--metrics-port", "-M", help="The metrics port (default: a free port)."
    ),
    run_file: Path | None = typer.Option(
        None,
        "--run-file",
        "-f",
        help="Multi-App Run: a dapr.yaml run template (or its folder); runs all its apps.",
    ),
    kubernetes: bool = typer.Option(
        False,
        "--kubernetes",
        "-k",
        help="With -f: deploy the template's apps to Kubernetes as dapr run -f -k does "
        "(manifests in each <appDirPath>/.dapr/deploy/, applied with kubectl).",
    ),
    render_only: bool = typer.Option(
        False, "--render-only", help="With -k: write the manifests, apply nothing."
    ),
    manifests_dir: Path | None = typer.Option(
        None,
        "--manifests-dir",
        help="With -k: write every manifest into this one folder instead (one kubectl apply -f).",
    ),
) -> None:
    if kubernetes or render_only or manifests_dir is not None:
        from daprlite.cli.kubernetes import run_on_kubernetes

        if run_file is None or not kubernetes:
            console.failure(
                "--kubernetes needs --run-file, and --render-only/--manifests-dir need "
                "--kubernetes: daprlite run -f dapr.yaml -k --render-only"
            )
            raise typer.Exit(ExitCode.USAGE)
        raise typer.Exit(run_on_kubernetes(run_file, render_only, manifests_dir))
    with reported(debug=log_level == "debug"):
        if run_file is not None:
            from daprlite.cli.run_template import run_template

            if command or app_id:
                console.warning("--run-file is given: the app command and --app-id are ignored")
            raise typer.Exit(run_template(run_file, log_as_json))
        config = _build_config(
            command or [], app_id, app_port, dapr_http_port, dapr_grpc_port,
            components_path or [], app_protocol, log_level, log_as_json, app_startup_timeout,
            config_file or _default_config(),
            _go_bool("--enable-metrics", enable_metrics), metrics_port,
        )  # fmt: skip
        from daprlite.bindings.registry import BindingRegistry

        noisy = BindingRegistry().noisy_loggers()
        console.setup_logging(config.app_id, config.log_level, config.log_as_json, noisy)
        code = _run_sidecar(config)
    raise typer.Exit(code)


def _default_config() -> Path | None:
    """`dapr run` reads ~/.dapr/config.yaml without --config; this is daprlite's."""
    path = default_config_path()
    return path if path.is_file() else None


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
    config_file: Path | None = None,
    enable_metrics: bool = True,
    metrics_port: int = 0,
) -> RunConfig:
    from daprlite.components.configuration import read_configuration
    from daprlite.model.config import RunConfig

    if command and command[0] == "--":
        command = command[1:]
    # Read before anything starts: a bad file is told at its lines, and nothing runs.
    dapr_config = read_configuration(config_file) if config_file is not None else None
    return RunConfig.create(
        app_id=app_id,
        command=command,
        app_port=app_port,
        dapr_http_port=http_port,
        dapr_grpc_port=grpc_port,
        components_paths=paths,
        app_protocol=app_protocol,
        log_level=log_level,
        log_as_json=log_as_json,
        app_startup_timeout=app_startup_timeout,
        config_file=config_file,
        tracing=dapr_config.tracing if dapr_config else None,
        metrics_enabled=dapr_config.metrics_enabled if dapr_config else None,
        secret_scopes=dapr_config.secret_scopes if dapr_config else (),
        record_error_codes=dapr_config.record_error_codes if dapr_config else False,
        enable_metrics=enable_metrics,
        metrics_port=metrics_port,
    )


# Go's strconv.ParseBool, which pflag uses for `--flag=value`.
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False,
             "False": False}  # fmt: skip
BOOL_FLAGS = ("--enable-metrics",)


def _go_bool(flag: str, value: str) -> bool:
    if value not in _GO_BOOLS:
        raise ConfigError(f'invalid argument "{value}" for "{flag}" flag: strconv.ParseBool: '
                          f'parsing "{value}": invalid syntax')  # fmt: skip
    return _GO_BOOLS[value]


def bare_bool_flags(argv: list[str]) -> list[str]:
    """`--enable-metrics` alone means `=true` (pflag), up to a `--` (the app's own words)."""
    out, app_words = [], False
    for word in argv:
        app_words = app_words or word == "--"
        out.append(f"{word}=true" if not app_words and word in BOOL_FLAGS else word)
    return out


def _run_sidecar(config: RunConfig) -> int:
    from daprlite.cli.signals import run_loop

    return run_loop(_serve(config))


async def _serve(config: RunConfig) -> int:
    from daprlite.cli.environment import user_environment
    from daprlite.cli.records import RunRecords
    from daprlite.cli.signals import handle_stop_signals
    from daprlite.runtime.sidecar import Sidecar

    records = RunRecords()
    # For `daprlite list` and `daprlite stop`: written once the ports are known.
    sidecar = Sidecar(config, on_started=records.add, app_environment=user_environment())
    handle_stop_signals(
        stopping=lambda: sidecar.stopping,
        request_stop=sidecar.request_stop,
        app_pids=lambda: [sidecar.app.pid] if sidecar.app and sidecar.app.pid else [],
        announce="terminated signal received: shutting down",
    )
    try:
        return await sidecar.run()
    finally:
        records.remove_all()

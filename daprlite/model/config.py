"""RunConfig: everything one `daprlite run` needs, checked once by `RunConfig.create`, then frozen.

This module is the only reader of `DAPRLITE_HOME`, `DAPR_API_TOKEN` and `APP_API_TOKEN`: the
`run` flags, Multi-App Run templates and the client commands all come through here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from daprlite.model.errors import ConfigError
from daprlite.model.secret_scope import SecretScope
from daprlite.model.tracing import OtelEnvironmentError, TracingSpec, otel_from_environment

LogLevel = Literal["debug", "info", "warn", "error", "fatal", "panic"]
AppProtocol = Literal["http", "grpc"]
# daprd's level names, and the Python level each one means.
LOG_LEVELS: Mapping[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "panic": logging.CRITICAL,
}
APP_PROTOCOLS = ("http", "grpc")
# How `daprlite run` names each checked field in an error; a run template uses its own keys.
FLAG_NAMES: Mapping[str, str] = {
    "app_id": "--app-id",
    "app_port": "--app-port",
    "dapr_http_port": "--dapr-http-port",
    "dapr_grpc_port": "--dapr-grpc-port",
    "app_protocol": "--app-protocol",
    "log_level": "--log-level",
    "app_startup_timeout": "--app-startup-timeout",
    "app_channel_address": "--app-channel-address",
    "metrics_port": "--metrics-port",
}


def daprlite_home(environ: Mapping[str, str] | None = None) -> Path:
    """`$DAPRLITE_HOME` (`~` expanded), or ~/.daprlite: the broker, run files, components."""
    env = os.environ if environ is None else environ
    return Path(env.get("DAPRLITE_HOME") or "~/.daprlite").expanduser()


def default_components_path() -> Path:
    return daprlite_home() / "components"


def api_token_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """`DAPR_API_TOKEN`: what the sidecar demands, and what daprlite's own clients send."""
    env = os.environ if environ is None else environ
    return env.get("DAPR_API_TOKEN") or None


def app_api_token_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """`APP_API_TOKEN`: what the sidecar sends the app with every delivery."""
    env = os.environ if environ is None else environ
    return env.get("APP_API_TOKEN") or None


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str  # a RunConfig field, e.g. "app_port"
    message: str  # what is wrong, without the field's name: "must be a port number ..."


class RunConfigError(ConfigError):
    """Every problem of one run's settings; `problems` lets a template point at its lines."""

    def __init__(self, problems: list[FieldProblem], names: Mapping[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{names.get(p.field, p.field)} {p.message}" for p in problems))


@dataclass(frozen=True, slots=True)
class RunConfig:
    app_id: str
    command: tuple[str, ...] = ()
    app_port: int | None = None
    # 0 means "any free port": the sidecar binds port 0 and reads the real port back.
    dapr_http_port: int = 0
    dapr_grpc_port: int = 0
    components_paths: tuple[Path, ...] = field(default_factory=lambda: (default_components_path(),))
    app_protocol: AppProtocol = "http"
    log_level: LogLevel = "info"
    log_as_json: bool = False
    app_startup_timeout: float = 60.0
    max_body_bytes: int = 4 << 20
    shutdown_grace: float = 5.0
    app_channel_address: str = "127.0.0.1"
    # Secrets: never in a repr, so never in a log line or a traceback.
    api_token: str | None = field(default=None, repr=False)
    app_api_token: str | None = field(default=None, repr=False)
    # Multi-App Run: the app's folder (its working directory) and the template's `env:`.
    app_dir: Path | None = None
    env: tuple[tuple[str, str], ...] = ()
    # From a Dapr Configuration (--config / configFilePath): `spec.tracing` (None: tracing off)
    # and `spec.metrics.enabled` (None: the file does not say).
    config_file: Path | None = None
    tracing: TracingSpec | None = None
    metrics_enabled: bool | None = None
    # `spec.secrets.scopes`: what the secrets API may give out of each store (none: everything).
    secret_scopes: tuple[SecretScope, ...] = ()
    record_error_codes: bool = False  # spec.metrics.recordErrorCodes: dapr_error_code_total
    # Metrics (Prometheus text on every path of its own port); 0 means "any free port".
    enable_metrics: bool = True
    metrics_port: int = 0

    @classmethod
    def create(
        cls,
        *,
        app_id: str,
        command: Sequence[str] = (),
        app_port: int = 0,
        dapr_http_port: int = 0,
        dapr_grpc_port: int = 0,
        components_paths: Sequence[Path] = (),
        app_protocol: str = "http",
        log_level: str = "info",
        log_as_json: bool = False,
        app_startup_timeout: float = 60.0,
        app_channel_address: str = "127.0.0.1",
        app_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        config_file: Path | None = None,
        tracing: TracingSpec | None = None,
        metrics_enabled: bool | None = None,
        secret_scopes: Sequence[SecretScope] = (),
        record_error_codes: bool = False,
        enable_metrics: bool = True,
        metrics_port: int = 0,
        environ: Mapping[str, str] | None = None,
        names: Mapping[str, str] = FLAG_NAMES,
    ) -> RunConfig:
        """The one validating constructor. Raises RunConfigError naming every bad field as
        `names` spells it; tokens come from `environ` (default: os.environ)."""
        problems = _check_app_id(app_id)
        for name, port in (
            ("app_port", app_port),
            ("dapr_http_port", dapr_http_port),
            ("dapr_grpc_port", dapr_grpc_port),
            ("metrics_port", metrics_port),
        ):
            if not 0 <= port <= 65535:
                problems.append(FieldProblem(name, f"must be a port number (1-65535), not {port}"))
        if app_protocol not in APP_PROTOCOLS:
            problems.append(
                FieldProblem("app_protocol", f"must be http or grpc, not {app_protocol}")
            )
        if log_level not in LOG_LEVELS:
            levels = ", ".join(LOG_LEVELS)
            problems.append(FieldProblem("log_level", f"must be one of {levels}, not {log_level}"))
        if not app_startup_timeout > 0:
            problems.append(
                FieldProblem("app_startup_timeout", f"must be above 0, not {app_startup_timeout:g}")
            )
        if not app_channel_address.strip():
            problems.append(FieldProblem("app_channel_address", "must not be empty"))
        try:
            # daprd completes spec.tracing from OTEL_EXPORTER_OTLP_*, also with no --config.
            tracing = otel_from_environment(tracing, os.environ if environ is None else environ)
        except OtelEnvironmentError as exc:
            problems.append(FieldProblem("tracing", f"from the environment: {exc}"))
        if problems:
            raise RunConfigError(problems, names)
        return cls(
            app_id=app_id,
            command=tuple(command),
            app_port=app_port or None,
            dapr_http_port=dapr_http_port,
            dapr_grpc_port=dapr_grpc_port,
            components_paths=tuple(components_paths) or (default_components_path(),),
            app_protocol=cast(AppProtocol, app_protocol),
            log_level=cast(LogLevel, log_level),
            log_as_json=log_as_json,
            app_startup_timeout=app_startup_timeout,
            app_channel_address=app_channel_address.strip(),
            api_token=api_token_from_env(environ),
            app_api_token=app_api_token_from_env(environ),
            app_dir=app_dir,
            env=tuple((env or {}).items()),
            config_file=config_file,
            tracing=tracing,
            metrics_enabled=metrics_enabled,
            secret_scopes=tuple(secret_scopes),
            record_error_codes=record_error_codes,
            enable_metrics=enable_metrics,
            metrics_port=metrics_port,
        )

    @property
    def serves_metrics(self) -> bool:
        """`--enable-metrics` (or `enableMetrics`), unless the run's Configuration says
        `spec.metrics.enabled: false`, as daprd reads the two."""
        return self.enable_metrics and self.metrics_enabled is not False

    def app_env(self, http_port: int, grpc_port: int) -> dict[str, str]:
        """The variables the dapr CLI gives an app, which the Dapr SDKs read."""
        env = {
            "APP_ID": self.app_id,
            "APP_CHANNEL_ADDRESS": self.app_channel_address,
            "APP_PROTOCOL": self.app_protocol,
            "DAPR_HTTP_PORT": str(http_port),
            "DAPR_GRPC_PORT": str(grpc_port),
        }
        if self.app_port:
            env["APP_PORT"] = str(self.app_port)
        # The run template's entries come last, as the dapr CLI appends them.
        env.update(self.env)
        return env


def _check_app_id(app_id: str) -> list[FieldProblem]:
    if not app_id:
        return [FieldProblem("app_id", "is required (e.g. bindings-nodeapp)")]
    if "." in app_id:
        return [FieldProblem("app_id", f"cannot contain dots: {app_id}")]
    return []

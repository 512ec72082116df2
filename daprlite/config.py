"""RunConfig: everything one `daprlite run` needs, decided once by the CLI and then frozen."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LogLevel = Literal["debug", "info", "warn", "error", "fatal", "panic"]


def daprlite_home() -> Path:
    return Path(os.environ.get("DAPRLITE_HOME") or Path.home() / ".daprlite")


def default_components_path() -> Path:
    return daprlite_home() / "components"


@dataclass(frozen=True, slots=True)
class RunConfig:
    app_id: str
    command: tuple[str, ...] = ()
    app_port: int | None = None
    # 0 means "any free port": the sidecar binds port 0 and reads the real port back.
    dapr_http_port: int = 0
    dapr_grpc_port: int = 0
    components_paths: tuple[Path, ...] = field(default_factory=lambda: (default_components_path(),))
    app_protocol: Literal["http", "grpc"] = "http"
    log_level: LogLevel = "info"
    log_as_json: bool = False
    app_startup_timeout: float = 60.0
    max_body_bytes: int = 4 << 20
    shutdown_grace: float = 5.0
    app_channel_address: str = "127.0.0.1"
    api_token: str | None = None
    app_api_token: str | None = None
    # Multi-App Run: the app's folder (its working directory) and the template's `env:`.
    app_dir: Path | None = None
    env: tuple[tuple[str, str], ...] = ()

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

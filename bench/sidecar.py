"""Launch a sidecar under test (`daprlite run`, or a given daprd beside the app), wait until it
is ready, read its RSS, and stop it. Both kinds get the same flags, ports and component files,
metrics included: on (daprd's default) with an explicit port unless `metrics=False`."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

from bench.env import ROOT
from tests.support.ports import free_port

APP_COMMAND = (sys.executable, "-m", "bench.app")


@dataclass
class Sidecar:
    kind: str  # "daprlite" | "daprd"
    process: subprocess.Popen[bytes]
    spawned: float  # time.monotonic() just before the spawn
    http_port: int
    grpc_port: int
    log: Path
    metrics_port: int  # 0: metrics off
    app: subprocess.Popen[bytes] | None = None  # daprd only: daprlite starts the app itself
    extra: dict[str, float] = field(default_factory=dict)

    def wait_ready(self, path: str = "/v1.0/healthz", timeout: float = 60.0) -> float:
        """Seconds from spawn until GET `path` answers 204 (polled every 2 ms)."""
        deadline = self.spawned + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited early:\n{self.tail()}")
            if _get_status(self.http_port, path) == 204:
                return time.monotonic() - self.spawned
            time.sleep(0.002)
        raise TimeoutError(f"{self.kind} not ready on {path} after {timeout}s:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the sidecar process so far (all its threads)."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def rss_mb(self) -> float:
        return float(psutil.Process(self.process.pid).memory_info().rss) / 2**20

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        for proc in (self.process, self.app):
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def launch(
    kind: str,
    components: Path,
    log_dir: Path,
    *,
    app_id: str,
    app_port: int | None = None,
    daprd: str | None = None,
    metrics: bool = True,
    app_command: Sequence[str] = APP_COMMAND,
    app_protocol: str = "http",
) -> Sidecar:
    """Start a sidecar; with `app_port`, also the app (by daprlite run, or beside daprd):
    `app_command` followed by `--port <app_port>`."""
    http_port, grpc_port = free_port(), free_port()
    metrics_port = free_port() if metrics else 0
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{kind}-{app_id}-{http_port}.log"
    common = ["--app-id", app_id, "--dapr-http-port", str(http_port)]
    common += ["--dapr-grpc-port", str(grpc_port), "--log-level", "warn"]
    common += ["--app-protocol", app_protocol]
    # Go bool syntax, which both accept; spelled out so neither relies on its default.
    common += [f"--enable-metrics={'true' if metrics else 'false'}"]
    if metrics:
        common += ["--metrics-port", str(metrics_port)]
    if app_port:
        common += ["--app-port", str(app_port)]
    app = [*app_command, "--port", str(app_port)] if app_port else []
    app_process: subprocess.Popen[bytes] | None = None
    # A home of the bench's own: the user's ~/.daprlite may hold a config.yaml from `daprlite
    # init` (tracing on), which `daprlite run` without --config would read.
    home = log_dir / "daprlite-home"
    with log.open("wb") as out:
        if kind == "daprlite":
            command = [sys.executable, "-m", "daprlite", "run", *common]
            command += ["--components-path", str(components)]
            if app:
                command += ["--", *app]
        else:
            assert daprd is not None
            if app:
                app_process = _spawn(app, out, home)
            command = [daprd, *common, "--resources-path", str(components)]
            command += ["--dapr-internal-grpc-port", str(free_port())]
        spawned = time.monotonic()
        process = _spawn(command, out, home)
    return Sidecar(kind, process, spawned, http_port, grpc_port, log, metrics_port, app_process)


def _spawn(command: list[str], out: IO[bytes], home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=os.environ | {"DAPRLITE_HOME": str(home)},
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _get_status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()

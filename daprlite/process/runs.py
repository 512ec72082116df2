"""Run files: one JSON file per running app under `$DAPRLITE_HOME/runs/`, for `list` and `stop`.

A run writes its file once its ports are known and removes it on exit; readers check the pid
(and its start time, so a recycled pid is not taken for ours) and delete what is dead.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import psutil

from daprlite.model.config import daprlite_home

# A pid's create time read twice can differ by clock-tick rounding; a recycled pid started
# within the same second as the original is not a case worth a false "alive".
_CREATE_TIME_SLACK = 1.0


def runs_dir() -> Path:
    return daprlite_home() / "runs"


@dataclass(frozen=True, slots=True)
class RunEntry:
    """One app beside its sidecar. `cli_pid` is the daprlite process (which is also the
    sidecar); `multi_app` runs host several sidecars, so stopping one app must not signal it."""

    app_id: str
    http_port: int
    grpc_port: int
    created: float
    cli_pid: int
    cli_started: float
    app_port: int = 0
    command: str = ""
    app_pid: int = 0
    multi_app: bool = False
    run_template_path: str = ""
    run_template_name: str = ""
    app_log_path: str = ""
    daprd_log_path: str = ""
    max_request_body_mb: int = 4
    # The dapr CLI lists daprd's HTTP read buffer; aiohttp's is the same 4 KB.
    read_buffer_kb: int = 4
    # 0 when metrics are off.
    metrics_port: int = 0

    @property
    def file_name(self) -> str:
        return f"{self.cli_pid}-{self.app_id}.json"

    def cli_alive(self) -> bool:
        return pid_started_at(self.cli_pid, self.cli_started)


def new_entry(
    app_id: str,
    http_port: int,
    grpc_port: int,
    *,
    app_port: int = 0,
    command: str = "",
    app_pid: int = 0,
    max_request_body_mb: int = 4,
    metrics_port: int = 0,
) -> RunEntry:
    """An entry for this process, stamped with its pid and start time."""
    pid = os.getpid()
    return RunEntry(
        app_id=app_id,
        http_port=http_port,
        grpc_port=grpc_port,
        created=time.time(),
        cli_pid=pid,
        cli_started=psutil.Process(pid).create_time(),
        app_port=app_port,
        command=command,
        app_pid=app_pid,
        max_request_body_mb=max_request_body_mb,
        metrics_port=metrics_port,
    )


def write_entry(entry: RunEntry, folder: Path | None = None) -> Path:
    folder = folder or runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / entry.file_name
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(entry), indent=2) + "\n")
    os.replace(tmp, path)  # a concurrent `list` never reads half a file
    return path


def remove_entry(entry: RunEntry, folder: Path | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        ((folder or runs_dir()) / entry.file_name).unlink()


def live_entries(folder: Path | None = None) -> list[RunEntry]:
    """Every run whose daprlite process is alive, oldest first; files of dead runs are deleted."""
    folder = folder or runs_dir()
    known = {f.name for f in fields(RunEntry)}
    entries: list[RunEntry] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            raw = json.loads(path.read_text())
            entry = RunEntry(**{k: v for k, v in raw.items() if k in known})
        except (FileNotFoundError, ValueError, TypeError):
            # Unreadable or from an incompatible version: it cannot be listed or stopped.
            entry = None
        if entry is None or not entry.cli_alive():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        entries.append(entry)
    return sorted(entries, key=lambda e: e.created)


def pid_started_at(pid: int, started: float) -> bool:
    """True when `pid` is a live (not zombie) process that was created at `started`."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return abs(process.create_time() - started) < _CREATE_TIME_SLACK
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False

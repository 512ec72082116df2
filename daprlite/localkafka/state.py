"""The running broker's record (broker.json): which pid, on which ports, from which jars.

`status` and `uninstall` read it from another process than the `init` that wrote it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

# The broker's main class, looked for in a pid's command line so a recycled pid is not "ours".
MAIN_CLASS = "kafka.Kafka"


@dataclass(frozen=True, slots=True)
class BrokerRecord:
    pid: int
    host: str
    port: int
    controller_port: int
    version: str
    libs_dir: str
    config_file: str
    started_at: float


def write_record(path: Path, record: BrokerRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2) + "\n")
    os.replace(tmp, path)  # readers never see half a file


def read_record(path: Path) -> BrokerRecord | None:
    try:
        return BrokerRecord(**json.loads(path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def clear_record(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def is_broker_process(pid: int, config_file: str) -> bool:
    """True when `pid` is alive and is a Kafka broker started with this config file."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return MAIN_CLASS in cmdline and config_file in cmdline

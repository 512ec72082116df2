"""KRaft storage: a fresh cluster id and a one-time `StorageTool format` of the data folder."""

from __future__ import annotations

import base64
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

from daprlite.localkafka.diagnostics import with_log_tail
from daprlite.model.errors import BrokerError


def new_cluster_id() -> str:
    """A random 16-byte id in Kafka's URL-safe base64 form (22 characters, no padding)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        # Kafka rejects ids that start with '-', since they read as command-line flags.
        if not text.startswith("-"):
            return text


def is_formatted(data_dir: Path) -> bool:
    return (data_dir / "meta.properties").is_file()


def format_storage(
    java_command: Sequence[str],
    config_file: Path,
    data_dir: Path,
    log_file: Path,
    cluster_id: str | None = None,
) -> None:
    """Format `data_dir` for cluster `cluster_id` (a new one when None: a single node); a
    formatted folder is left alone."""
    if is_formatted(data_dir):
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *java_command,
        "kafka.tools.StorageTool",
        "format",
        "--cluster-id",
        cluster_id or new_cluster_id(),
        "--config",
        str(config_file),
        "--ignore-formatted",
    ]
    with log_file.open("a") as log:
        result = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False
        )
    if result.returncode != 0 or not is_formatted(data_dir):
        raise BrokerError(
            with_log_tail(
                f"formatting the Kafka storage in {data_dir} failed "
                f"(exit code {result.returncode}). Remove the folder with "
                "`daprlite uninstall` and run `daprlite init` again.",
                log_file,
            )
        )

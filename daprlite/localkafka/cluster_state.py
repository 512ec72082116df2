"""The cluster's record (cluster.json): its KRaft cluster id and every node's ports.

Written before the first node starts, so `status`, `uninstall` and the next `init` find every
node again from another process, as broker.json lets them find a single broker.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from daprlite.localkafka.topology import Cluster, NodePorts

FILE_NAME = "cluster.json"


@dataclass(frozen=True, slots=True)
class ClusterRecord:
    cluster_id: str
    cluster: Cluster


def write_record(path: Path, record: ClusterRecord) -> None:
    document = {
        "clusterId": record.cluster_id,
        "host": record.cluster.host,
        "nodes": [
            {"nodeId": n.node_id, "port": n.port, "controllerPort": n.controller_port}
            for n in record.cluster.nodes
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, path)  # readers never see half a file


def read_record(path: Path) -> ClusterRecord | None:
    try:
        document = json.loads(path.read_text())
        nodes = tuple(
            NodePorts(int(n["nodeId"]), int(n["port"]), int(n["controllerPort"]))
            for n in document["nodes"]
        )
        return ClusterRecord(str(document["clusterId"]), Cluster(str(document["host"]), nodes))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path} is not a daprlite cluster record: {exc}") from exc


def clear_record(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()

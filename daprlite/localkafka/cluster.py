"""LocalCluster: N Kafka nodes on the loopback, each one a LocalBroker of its own settings.

Every node combines the broker and controller roles (or is a broker only, past the quorum's
voters; see topology.quorum_size): one JVM per node is what a 2-core laptop can carry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from daprlite.localkafka import cluster_state, storage
from daprlite.localkafka.broker import LocalBroker
from daprlite.localkafka.leaders import leader_counts
from daprlite.localkafka.readiness import metadata_probe
from daprlite.localkafka.settings import CLUSTER_JVM_OPTS, DEFAULT_JVM_OPTS, BrokerSettings
from daprlite.localkafka.topology import Cluster, NodePorts, check_size, default_ports
from daprlite.model.errors import BrokerError

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class NodeStatus:
    node_id: int
    roles: str
    port: int
    controller_port: int | None  # None on a broker-only node
    pid: int | None
    alive: bool
    leaders: int | None  # partitions it leads; None when no node answered metadata


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    nodes: tuple[NodeStatus, ...]
    bootstrap: str
    version: str
    root: Path
    libs_dir: Path
    installed: bool
    formatted: bool

    @property
    def running(self) -> int:
        return sum(node.alive for node in self.nodes)


def cluster_file(base: BrokerSettings) -> Path:
    return base.root / cluster_state.FILE_NAME


def new_cluster(
    base: BrokerSettings,
    size: int,
    ports: Sequence[NodePorts] | None = None,
    progress: Progress | None = None,
) -> LocalCluster:
    """A cluster of `size` nodes under `base.home` with a fresh cluster id; its nodes listen on
    `ports`, or from `base.port` on (two ports a node)."""
    try:
        check_size(size)
    except ValueError as exc:
        raise BrokerError(f"{exc}: pick a --brokers value in that range") from exc
    if size < 2:
        raise BrokerError("a single node is a LocalBroker, not a LocalCluster")
    nodes = tuple(ports) if ports is not None else default_ports(size, base.port)
    if len(nodes) != size:
        raise BrokerError(f"{len(nodes)} node ports given for a cluster of {size}")
    record = cluster_state.ClusterRecord(storage.new_cluster_id(), Cluster(base.host, nodes))
    return LocalCluster(base, record, progress=progress)


def installed_cluster(
    base: BrokerSettings, progress: Progress | None = None
) -> LocalCluster | None:
    """The cluster set up under `base.home` before (cluster.json), running or not."""
    try:
        record = cluster_state.read_record(cluster_file(base))
    except ValueError as exc:
        raise BrokerError(f"{exc}; `daprlite uninstall` removes it") from exc
    return None if record is None else LocalCluster(base, record, progress=progress)


class LocalCluster:
    def __init__(
        self,
        base: BrokerSettings,
        record: cluster_state.ClusterRecord,
        *,
        progress: Progress | None = None,
    ) -> None:
        """`base` gives home, jars, JVM options and extra properties; `record` the nodes."""
        self.base = base
        self.record = record
        cluster = record.cluster
        # Each node reports ready only once it sees every node registered and unfenced.
        probe = functools.partial(metadata_probe, brokers=cluster.size)
        jvm_opts = CLUSTER_JVM_OPTS if base.jvm_opts == DEFAULT_JVM_OPTS else base.jvm_opts
        self.nodes = tuple(
            LocalBroker(
                dataclasses.replace(
                    base,
                    host=cluster.host,
                    port=node.port,
                    controller_port=node.controller_port,
                    cluster=cluster,
                    node_id=node.node_id,
                    cluster_id=record.cluster_id,
                    jvm_opts=jvm_opts,
                ),
                progress=progress,
                probe=probe,
            )
            for node in cluster.nodes
        )

    @property
    def size(self) -> int:
        return self.record.cluster.size

    @property
    def bootstrap(self) -> str:
        """Every node's address, as a component's `brokers` should list them."""
        return self.record.cluster.bootstrap

    def node(self, node_id: int) -> LocalBroker:
        for broker in self.nodes:
            if broker.settings.node_id == node_id:
                return broker
        raise KeyError(node_id)

    def start(self, timeout: float = 120.0) -> None:
        """Launch every node that is not running, then wait until each sees all of them."""
        if self.base.listeners:
            raise BrokerError("secured listeners are for a single broker; a cluster has none")
        cluster_state.write_record(cluster_file(self.base), self.record)
        self.nodes[0].ensure_distribution()  # once, before any node looks for the jars
        for broker in self.nodes:  # every port checked before any JVM starts
            if not broker.status().running:
                broker.check_ports()
        try:
            for broker in self.nodes:
                broker.launch()
            for broker in self.nodes:
                broker.wait_ready(timeout)
        except BrokerError:
            self.stop()  # half a cluster is no use, and its JVMs would linger
            raise

    def stop(self, grace: float = 10.0) -> None:
        """Stop every node at once: one after another, the last ones would wait for a
        controller quorum that is already gone before their grace runs out."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            for future in [pool.submit(broker.stop, grace) for broker in self.nodes]:
                future.result()

    def status(self, leader_timeout: float = 5.0) -> ClusterStatus:
        """Each node's process, and its leader count from a metadata request (blocking: call
        it from a thread when on an event loop)."""
        statuses = [broker.status() for broker in self.nodes]
        live = ",".join(s.bootstrap for s in statuses if s.running)
        leaders = leader_counts(live, leader_timeout) if live else None
        nodes = tuple(
            NodeStatus(
                node_id=broker.settings.node_id,
                roles=broker.settings.roles,
                port=s.port,
                controller_port=s.controller_port if broker.settings.is_controller else None,
                pid=s.pid,
                alive=s.running,
                leaders=None if leaders is None else leaders.get(broker.settings.node_id, 0),
            )
            for broker, s in zip(self.nodes, statuses, strict=True)
        )
        first = statuses[0]
        return ClusterStatus(
            nodes=nodes,
            bootstrap=self.bootstrap,
            version=first.version,
            root=self.base.root,
            libs_dir=first.libs_dir,
            installed=first.installed,
            formatted=all(s.formatted for s in statuses),
        )

    def uninstall(self, remove_cache: bool = False) -> None:
        """Stop every node and delete its files and the cluster record; the jars too with
        remove_cache."""
        self.stop()
        for broker in self.nodes:
            broker.uninstall(remove_cache=False)
            shutil.rmtree(broker.settings.node_root, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.base.root / "nodes").rmdir()
        cluster_state.clear_record(cluster_file(self.base))
        # The first node's uninstall also removes the jar cache and the empty kafka folder.
        self.nodes[0].uninstall(remove_cache=remove_cache)

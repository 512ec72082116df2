"""The shape of a local cluster: how many nodes, which of them vote in the KRaft quorum, their
ports, and the replication defaults that follow from its size (pure rules, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

# Five JVMs already fill a laptop; more would only prove the laptop's limits.
MAX_NODES = 5


@dataclass(frozen=True, slots=True)
class NodePorts:
    node_id: int
    port: int  # the PLAINTEXT client listener
    controller_port: int  # the CONTROLLER listener (only voters open it)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Every node of a cluster of more than one node, by id; node ids count from 1."""

    host: str
    nodes: tuple[NodePorts, ...]

    @property
    def size(self) -> int:
        return len(self.nodes)

    @property
    def voter_ids(self) -> tuple[int, ...]:
        return tuple(node.node_id for node in self.nodes[: quorum_size(self.size)])

    @property
    def voters(self) -> str:
        """`controller.quorum.voters`: a static voter set, so formatting needs no running quorum."""
        by_id = {node.node_id: node for node in self.nodes}
        return ",".join(f"{i}@{self.host}:{by_id[i].controller_port}" for i in self.voter_ids)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{self.host}:{node.port}" for node in self.nodes)


def check_size(size: int) -> None:
    if not 1 <= size <= MAX_NODES:
        raise ValueError(f"a local Kafka has 1 to {MAX_NODES} nodes, not {size}")


def quorum_size(size: int) -> int:
    """Voters of the KRaft quorum. Combined broker+controller nodes, because a separate
    controller JVM per voter would double the JVMs on a 2-core laptop. Three voters survive one
    lost node; two voters survive none (a majority of two is two), so a 2-node cluster keeps one
    voter and one broker-only node, and nodes past the third are brokers only (five voters would
    survive two losses, at the price of more quorum traffic that a laptop does not need)."""
    return 3 if size >= 3 else 1


def replication_factor(size: int) -> int:
    return min(3, size)


def min_insync_replicas(size: int) -> int:
    """Two copies before an acks=all write is acknowledged, so one lost node loses nothing."""
    return min(2, size)


def default_ports(size: int, first_port: int) -> tuple[NodePorts, ...]:
    """Node n listens on first_port + 2(n-1) and its controller on the port after: node 1 keeps
    the single broker's 9092/9093."""
    return tuple(
        NodePorts(n, first_port + 2 * (n - 1), first_port + 2 * (n - 1) + 1)
        for n in range(1, size + 1)
    )

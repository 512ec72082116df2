"""How many partition leaders each node holds, from one metadata request to the cluster.

Blocking (librdkafka waits for the answer): call it from a thread when on an event loop.
"""

from __future__ import annotations

from collections import Counter

from daprlite.localkafka.ports import accepts_connections


def leader_counts(bootstrap: str, timeout: float = 5.0) -> dict[int, int] | None:
    """Partitions led per node id, over every topic (the internal ones too, as Kafka's own
    LeaderCount does); None when no node of `bootstrap` answers within `timeout`."""
    from confluent_kafka.admin import AdminClient

    reachable = [
        address for address in bootstrap.split(",") if accepts_connections(*_host_port(address))
    ]
    if not reachable:  # nothing listens: skip librdkafka's refused-connection noise
        return None
    admin = AdminClient(
        {"bootstrap.servers": ",".join(reachable), "socket.timeout.ms": int(timeout * 1000)}
    )
    try:
        metadata = admin.list_topics(timeout=timeout)
    except Exception:  # KafkaException: no node answered in time (a frozen one, say)
        return None
    counts: Counter[int] = Counter({node_id: 0 for node_id in metadata.brokers})
    for topic in metadata.topics.values():
        for partition in topic.partitions.values():
            if partition.leader >= 0:
                counts[partition.leader] += 1
    return dict(counts)


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)

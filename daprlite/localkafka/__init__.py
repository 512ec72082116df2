"""A real Apache Kafka broker (or a cluster of them) on the loopback, provisioned and run like
`dapr init` runs Redis.

Both `daprlite init` and the test suite drive it through LocalBroker, or LocalCluster for more
than one node.
"""

from __future__ import annotations

from daprlite.localkafka.broker import BrokerStatus, LocalBroker
from daprlite.localkafka.cluster import (
    ClusterStatus,
    LocalCluster,
    NodeStatus,
    installed_cluster,
    new_cluster,
)
from daprlite.localkafka.settings import (
    DEFAULT_PORT,
    KAFKA_VERSION,
    BrokerSettings,
    default_cache_dir,
    default_settings,
)
from daprlite.localkafka.topology import MAX_NODES, NodePorts

__all__ = [
    "DEFAULT_PORT",
    "KAFKA_VERSION",
    "MAX_NODES",
    "BrokerSettings",
    "BrokerStatus",
    "ClusterStatus",
    "LocalBroker",
    "LocalCluster",
    "NodePorts",
    "NodeStatus",
    "default_cache_dir",
    "default_settings",
    "installed_cluster",
    "new_cluster",
]

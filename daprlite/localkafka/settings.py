"""Where a local broker lives and how it listens: BrokerSettings and the on-disk layout.

One value drives both the CLI's ~/.daprlite broker and the test suite's temporary ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from daprlite.localkafka.listeners import Listener, SaslUser
from daprlite.localkafka.topology import Cluster
from daprlite.model.config import daprlite_home

KAFKA_VERSION = "4.1.1"
DEFAULT_PORT = 9092
DEFAULT_HOST = "127.0.0.1"
# A small heap: the broker shares a laptop (or a 2-core CI box) with the app and the sidecar.
DEFAULT_JVM_OPTS = ("-Xmx512m", "-Xms128m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20")
# A cluster's nodes share it three to five times over: half the heap each, fixed so that no
# node pauses to grow it while a test (or a failover) runs.
CLUSTER_JVM_OPTS = ("-Xmx256m", "-Xms256m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20")


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """A single-node KRaft broker under `home`/kafka, or with `cluster`, node `node_id` of that
    cluster under `home`/kafka/nodes/<node_id>.

    `cache_dir` holds the jar distributions (one folder per version) and may be shared between
    homes, so a throw-away test broker reuses the jars the user already downloaded.
    `controller_port` defaults to `port + 1`.
    """

    home: Path
    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    controller_port: int | None = None
    cache_dir: Path | None = None
    kafka_home: Path | None = None
    version: str = KAFKA_VERSION
    jvm_opts: tuple[str, ...] = DEFAULT_JVM_OPTS
    maven_args: tuple[str, ...] = ()
    # Extra server.properties lines, applied last (tests tune timeouts this way).
    extra_properties: tuple[tuple[str, str], ...] = ()
    # Secured listeners beside the PLAINTEXT one, and the SASL users they accept (PLAIN in the
    # listener's JAAS options, SCRAM written to the cluster after start).
    listeners: tuple[Listener, ...] = ()
    users: tuple[SaslUser, ...] = ()
    # Set for the nodes of a cluster: every node's ports, and this node's id among them.
    cluster: Cluster | None = None
    node_id: int = 1
    # The KRaft cluster id to format with; None makes a fresh one (a single node needs no other).
    cluster_id: str | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def quorum_port(self) -> int:
        return self.controller_port if self.controller_port is not None else self.port + 1

    @property
    def root(self) -> Path:
        return self.home / "kafka"

    @property
    def dist_root(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.root / "dist"

    @property
    def libs_dir(self) -> Path:
        """The jars to run: `$KAFKA_HOME/libs` when given, else the Maven-built cache."""
        if self.kafka_home is not None:
            return self.kafka_home / "libs"
        return self.dist_root / self.version / "libs"

    @property
    def node_root(self) -> Path:
        """This node's own files; a single broker keeps them straight under `root`."""
        return self.root if self.cluster is None else self.root / "nodes" / str(self.node_id)

    @property
    def data_dir(self) -> Path:
        return self.node_root / "data"

    @property
    def config_dir(self) -> Path:
        return self.node_root / "config"

    @property
    def log_file(self) -> Path:
        return self.node_root / "logs" / "server.log"

    @property
    def state_file(self) -> Path:
        return self.node_root / "broker.json"

    @property
    def is_controller(self) -> bool:
        return self.cluster is None or self.node_id in self.cluster.voter_ids

    @property
    def roles(self) -> str:
        return "broker,controller" if self.is_controller else "broker"


def default_settings(port: int | None = None) -> BrokerSettings:
    """Settings for the user's broker: `$DAPRLITE_HOME` (default ~/.daprlite), `$KAFKA_HOME`
    when set, and `$DAPRLITE_KAFKA_CACHE` for a jar cache kept elsewhere."""
    home = daprlite_home()
    kafka_home = os.environ.get("KAFKA_HOME")
    cache = os.environ.get("DAPRLITE_KAFKA_CACHE")
    return BrokerSettings(
        home=home,
        port=port if port is not None else DEFAULT_PORT,
        kafka_home=Path(kafka_home).expanduser() if kafka_home else None,
        cache_dir=Path(cache).expanduser() if cache else None,
    )


def default_cache_dir() -> Path:
    """The jar cache the user's own broker uses; tests point their brokers at it too."""
    return default_settings().dist_root

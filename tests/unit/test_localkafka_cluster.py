"""The pure parts of a local cluster: its shape, each node's server.properties, its record."""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.localkafka import NodePorts, cluster_state, config, new_cluster
from daprlite.localkafka.leaders import leader_counts
from daprlite.localkafka.settings import CLUSTER_JVM_OPTS, BrokerSettings
from daprlite.localkafka.topology import (
    Cluster,
    check_size,
    default_ports,
    min_insync_replicas,
    quorum_size,
    replication_factor,
)
from daprlite.model.errors import BrokerError
from tests.support.ports import free_ports


@pytest.mark.parametrize(
    ("size", "voters", "replicas", "min_isr"),
    [(1, 1, 1, 1), (2, 1, 2, 2), (3, 3, 3, 2), (4, 3, 3, 2), (5, 3, 3, 2)],
)
def test_size_decides_quorum_and_replication(
    size: int, voters: int, replicas: int, min_isr: int
) -> None:
    assert quorum_size(size) == voters
    assert replication_factor(size) == replicas
    assert min_insync_replicas(size) == min_isr


@pytest.mark.parametrize("size", [0, -1, 6])
def test_sizes_out_of_range_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match=f"1 to 5 nodes, not {size}"):
        check_size(size)


def test_node_one_keeps_the_single_brokers_ports() -> None:
    assert default_ports(3, 9092) == (
        NodePorts(1, 9092, 9093),
        NodePorts(2, 9094, 9095),
        NodePorts(3, 9096, 9097),
    )


def node_settings(tmp_path: Path, size: int, node_id: int) -> BrokerSettings:
    cluster = Cluster("127.0.0.1", default_ports(size, 19092))
    ports = cluster.nodes[node_id - 1]
    return BrokerSettings(
        home=tmp_path,
        port=ports.port,
        controller_port=ports.controller_port,
        cluster=cluster,
        node_id=node_id,
    )


def test_a_voter_node_lists_the_whole_quorum(tmp_path: Path) -> None:
    props = config.server_properties(node_settings(tmp_path, 3, 2))
    assert props["node.id"] == "2"
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == (
        "1@127.0.0.1:19093,2@127.0.0.1:19095,3@127.0.0.1:19097"
    )
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19094,CONTROLLER://127.0.0.1:19095"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19094"
    assert props["log.dirs"] == str(tmp_path / "kafka" / "nodes" / "2" / "data")


def test_a_cluster_replicates_its_topics(tmp_path: Path) -> None:
    props = config.server_properties(node_settings(tmp_path, 3, 1))
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert props[key] == "3", key
    assert props["min.insync.replicas"] == "2"
    assert props["transaction.state.log.min.isr"] == "2"


def test_nodes_past_the_quorum_are_brokers_only(tmp_path: Path) -> None:
    props = config.server_properties(node_settings(tmp_path, 4, 4))
    assert props["process.roles"] == "broker"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19098"
    assert props["controller.quorum.voters"].count("@") == 3


def test_a_single_broker_is_unchanged_by_the_cluster_code(tmp_path: Path) -> None:
    settings = BrokerSettings(home=tmp_path)
    props = config.server_properties(settings)
    assert "min.insync.replicas" not in props
    assert props["default.replication.factor"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert settings.state_file == tmp_path / "kafka" / "broker.json"
    assert settings.data_dir == tmp_path / "kafka" / "data"


def test_each_node_has_its_own_files_and_shares_the_jars(tmp_path: Path) -> None:
    cluster = new_cluster(BrokerSettings(home=tmp_path), 3)
    roots = [node.settings.node_root for node in cluster.nodes]
    assert roots == [tmp_path / "kafka" / "nodes" / str(n) for n in (1, 2, 3)]
    assert {node.settings.libs_dir for node in cluster.nodes} == {
        tmp_path / "kafka" / "dist" / "4.1.1" / "libs"
    }
    assert {node.settings.cluster_id for node in cluster.nodes} == {cluster.record.cluster_id}
    assert all(node.settings.jvm_opts == CLUSTER_JVM_OPTS for node in cluster.nodes)
    assert cluster.bootstrap == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"


def test_a_cluster_of_one_is_a_single_broker(tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match="single node"):
        new_cluster(BrokerSettings(home=tmp_path), 1)
    with pytest.raises(BrokerError, match="1 to 5 nodes, not 9"):
        new_cluster(BrokerSettings(home=tmp_path), 9)


def test_the_record_round_trips(tmp_path: Path) -> None:
    record = cluster_state.ClusterRecord("abc", Cluster("127.0.0.1", default_ports(3, 9300)))
    path = tmp_path / "cluster.json"
    cluster_state.write_record(path, record)
    assert cluster_state.read_record(path) == record
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a daprlite cluster record"):
        cluster_state.read_record(path)
    cluster_state.clear_record(path)
    assert cluster_state.read_record(path) is None


def test_no_leader_counts_when_no_node_listens() -> None:
    ports = free_ports(2)
    assert leader_counts(",".join(f"127.0.0.1:{p}" for p in ports), timeout=1.0) is None

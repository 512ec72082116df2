"""`daprlite init --brokers N`, `status` and `uninstall` of a cluster, against fakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from daprlite.cli import broker as cli_broker
from daprlite.localkafka import BrokerSettings, ClusterStatus, NodeStatus
from tests.unit.test_localkafka_cli import FakeBroker


class FakeNode:
    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings


class FakeCluster:
    made: list[FakeCluster] = []  # noqa: RUF012 - a test recorder
    installed: FakeCluster | None = None

    def __init__(self, base: BrokerSettings, size: int, progress: Any = None) -> None:
        self.base = base
        self.size = size
        self.running = False
        self.calls: list[str] = []
        self.nodes = [FakeNode(base)]
        FakeCluster.made.append(self)

    def status(self, leader_timeout: float = 5.0) -> ClusterStatus:
        nodes = tuple(
            NodeStatus(
                node_id=n,
                roles="broker,controller",
                port=self.base.port + 2 * (n - 1),
                controller_port=self.base.port + 2 * (n - 1) + 1,
                pid=4000 + n if self.running else None,
                alive=self.running,
                leaders=n if self.running else None,
            )
            for n in range(1, self.size + 1)
        )
        return ClusterStatus(
            nodes=nodes,
            bootstrap=",".join(f"127.0.0.1:{node.port}" for node in nodes),
            version="4.1.1",
            root=self.base.root,
            libs_dir=self.base.libs_dir,
            installed=True,
            formatted=True,
        )

    def start(self, timeout: float = 120.0) -> None:
        self.calls.append("start")
        self.running = True

    def uninstall(self, remove_cache: bool = False) -> None:
        self.calls.append(f"uninstall(remove_cache={remove_cache})")


def load_installed(base: BrokerSettings, progress: Any = None) -> FakeCluster | None:
    return FakeCluster.installed


def use_fake_brokers(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """`daprlite init|status|uninstall` under `home`, on FakeBroker and FakeCluster."""
    monkeypatch.setenv("DAPRLITE_HOME", str(home))
    monkeypatch.setattr(FakeBroker, "running", False)
    monkeypatch.setattr(FakeBroker, "fail_with", None)
    FakeBroker.instances.clear()
    FakeCluster.made.clear()
    monkeypatch.setattr(FakeCluster, "installed", None)
    monkeypatch.setattr(cli_broker, "broker_factory", FakeBroker)
    monkeypatch.setattr(cli_broker, "cluster_factory", FakeCluster)
    monkeypatch.setattr(cli_broker, "cluster_loader", load_installed)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    use_fake_brokers(monkeypatch, tmp_path)
    root = typer.Typer()
    root.callback()(lambda: None)
    cli_broker.register(root)
    return root


def test_init_brokers_three_starts_a_cluster(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["init", "--brokers", "3", "--kafka-port", "9300"])
    assert result.exit_code == 0, result.output
    [cluster] = FakeCluster.made
    assert (cluster.size, cluster.calls) == (3, ["start"])
    assert "running as a 3-node cluster on 127.0.0.1:9300,127.0.0.1:9302,127.0.0.1:9304" in (
        result.output
    )
    assert FakeBroker.instances[0].calls == []  # asked for its status only


def test_init_without_brokers_is_the_single_broker(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert FakeCluster.made == []
    assert FakeBroker.instances[0].calls == ["start"]


@pytest.mark.parametrize("brokers", ["0", "6", "-2"])
def test_brokers_out_of_range_is_one_error(app: typer.Typer, brokers: str) -> None:
    result = CliRunner().invoke(app, ["init", "--brokers", brokers])
    assert result.exit_code == 1
    assert f"❌  --brokers must be between 1 and 5, not {brokers}" in result.output
    assert FakeCluster.made == [] and FakeBroker.instances == []


def test_init_restarts_the_cluster_set_up_before(app: typer.Typer, tmp_path: Path) -> None:
    FakeCluster.installed = existing = FakeCluster(BrokerSettings(home=tmp_path), 3)
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert existing.calls == ["start"]


def test_another_size_than_the_set_up_one_needs_an_uninstall(
    app: typer.Typer, tmp_path: Path
) -> None:
    FakeCluster.installed = FakeCluster(BrokerSettings(home=tmp_path), 3)
    result = CliRunner().invoke(app, ["init", "--brokers", "2"])
    assert result.exit_code == 1
    assert "a local Kafka cluster of 3 nodes is set up" in result.output
    assert "`daprlite uninstall` first to make one of 2" in result.output


def test_a_cluster_needs_the_single_brokers_data_gone_first(app: typer.Typer) -> None:
    FakeBroker.running = True
    result = CliRunner().invoke(app, ["init", "--brokers", "3"])
    assert result.exit_code == 1
    assert "a single local Kafka broker is set up" in result.output
    assert FakeCluster.made == []


def test_status_lists_every_node(app: typer.Typer, tmp_path: Path) -> None:
    FakeCluster.installed = cluster = FakeCluster(BrokerSettings(home=tmp_path), 3)
    cluster.running = True
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "running (3 nodes)" in result.output
    assert "min.insync.replicas 2" in result.output
    rows = [line.split() for line in result.output.splitlines() if line.strip()[:1].isdigit()]
    assert rows == [
        ["1", "broker,controller", "9092", "9093", "4001", "1", "yes"],
        ["2", "broker,controller", "9094", "9095", "4002", "2", "yes"],
        ["3", "broker,controller", "9096", "9097", "4003", "3", "yes"],
    ]


def test_status_json_of_a_stopped_cluster(app: typer.Typer, tmp_path: Path) -> None:
    import json

    FakeCluster.installed = FakeCluster(BrokerSettings(home=tmp_path), 3)
    result = CliRunner().invoke(app, ["status", "-o", "json"])
    document = json.loads(result.output)
    assert (document["running"], document["nodesRunning"]) == (False, 0)
    assert [node["alive"] for node in document["nodes"]] == [False, False, False]
    assert document["replicationFactor"] == 3


def test_uninstall_removes_the_cluster(app: typer.Typer, tmp_path: Path) -> None:
    FakeCluster.installed = cluster = FakeCluster(BrokerSettings(home=tmp_path), 3)
    result = CliRunner().invoke(app, ["uninstall", "--all"])
    assert result.exit_code == 0, result.output
    assert cluster.calls == ["uninstall(remove_cache=True)"]
    assert "Removed the local Kafka cluster (3 nodes)" in result.output

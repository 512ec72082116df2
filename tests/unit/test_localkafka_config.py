"""The pure parts of the local broker: settings layout, server.properties, the pom, cluster ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from daprlite.localkafka import config, distribution, storage
from daprlite.localkafka.settings import BrokerSettings, default_settings


def parse(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_server_properties_listen_on_loopback_ports(tmp_path: Path) -> None:
    settings = BrokerSettings(home=tmp_path, port=19092, controller_port=19999)
    props = parse(config.render_properties(config.server_properties(settings)))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19999"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19999"
    assert props["process.roles"] == "broker,controller"
    assert props["log.dirs"] == str(tmp_path / "kafka" / "data")


def test_server_properties_suit_a_single_node(tmp_path: Path) -> None:
    props = config.server_properties(BrokerSettings(home=tmp_path))
    assert props["auto.create.topics.enable"] == "true"
    assert props["num.partitions"] == "1"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"


def test_controller_port_defaults_to_the_next_port(tmp_path: Path) -> None:
    settings = BrokerSettings(home=tmp_path, port=9200)
    assert settings.quorum_port == 9201
    assert settings.bootstrap == "127.0.0.1:9200"


def test_extra_properties_win(tmp_path: Path) -> None:
    settings = BrokerSettings(home=tmp_path, extra_properties=(("num.partitions", "3"),))
    assert config.server_properties(settings)["num.partitions"] == "3"


def test_backslashes_are_escaped_for_java() -> None:
    assert "log.dirs=C:\\\\data" in config.render_properties({"log.dirs": "C:\\data"})


def test_layout_shares_the_jar_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    settings = BrokerSettings(home=tmp_path / "home", cache_dir=cache, version="4.1.1")
    assert settings.libs_dir == cache / "4.1.1" / "libs"
    assert settings.data_dir == tmp_path / "home" / "kafka" / "data"
    assert BrokerSettings(home=tmp_path).libs_dir == tmp_path / "kafka" / "dist" / "4.1.1" / "libs"


def test_kafka_home_libs_are_used_as_they_are(tmp_path: Path) -> None:
    settings = BrokerSettings(home=tmp_path, kafka_home=tmp_path / "kafka_2.13-4.1.1")
    assert settings.libs_dir == tmp_path / "kafka_2.13-4.1.1" / "libs"


def test_default_settings_read_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAPRLITE_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("DAPRLITE_KAFKA_CACHE", str(tmp_path / "c"))
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    settings = default_settings(port=9300)
    assert settings.home == tmp_path / "h"
    assert settings.cache_dir == tmp_path / "c"
    assert settings.port == 9300
    assert settings.kafka_home is None


def test_pom_asks_for_kafka_and_a_logging_backend() -> None:
    pom = distribution.render_pom("4.1.1")
    assert "<artifactId>kafka_2.13</artifactId><version>4.1.1</version>" in pom
    assert "<artifactId>log4j-core</artifactId>" in pom
    assert "<artifactId>log4j-slf4j-impl</artifactId>" in pom


def test_cluster_ids_look_like_kafka_uuids() -> None:
    ids = {storage.new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) and not i.startswith("-") for i in ids)


def test_version_is_read_from_the_jar_name(tmp_path: Path) -> None:
    for name in ("kafka_2.13-4.1.1.jar", "kafka_2.13-4.1.1-test.jar", "kafka-clients-4.1.1.jar"):
        (tmp_path / name).touch()
    assert distribution.detect_version(tmp_path) == "4.1.1"
    assert distribution.detect_version(tmp_path / "missing") is None

"""`daprlite init|status|uninstall` against a fake broker: messages and exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from daprlite.cli import broker as cli_broker
from daprlite.localkafka import BrokerSettings, BrokerStatus
from daprlite.model.errors import BrokerError


class FakeBroker:
    instances: list[FakeBroker] = []  # noqa: RUF012 - a test recorder
    running = False
    fail_with: BrokerError | None = None

    def __init__(self, settings: BrokerSettings, progress: Any = None) -> None:
        self.settings = settings
        self.calls: list[str] = []
        FakeBroker.instances.append(self)

    def status(self) -> BrokerStatus:
        s = self.settings
        return BrokerStatus(
            running=self.running,
            pid=4242 if self.running else None,
            host=s.host,
            port=s.port,
            controller_port=s.quorum_port,
            version="4.1.1",
            data_dir=s.data_dir,
            log_file=s.log_file,
            libs_dir=s.libs_dir,
            installed=True,
            formatted=self.running,
        )

    def start(self, timeout: float = 60.0) -> None:
        self.calls.append("start")
        if self.fail_with is not None:
            raise self.fail_with
        type(self).running = True

    def uninstall(self, remove_cache: bool = False) -> None:
        self.calls.append(f"uninstall(remove_cache={remove_cache})")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.setenv("DAPRLITE_HOME", str(tmp_path))
    monkeypatch.setattr(FakeBroker, "running", False)
    monkeypatch.setattr(FakeBroker, "fail_with", None)
    FakeBroker.instances.clear()
    monkeypatch.setattr(cli_broker, "broker_factory", FakeBroker)
    root = typer.Typer()
    root.callback()(lambda: None)
    cli_broker.register(root)
    return root


def test_init_starts_and_reports(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["init", "--kafka-port", "9300"])
    assert result.exit_code == 0, result.output
    assert "✅  Apache Kafka 4.1.1 is running on 127.0.0.1:9300 (pid 4242)" in result.output
    assert FakeBroker.instances[0].calls == ["start"]


def test_second_init_says_already_running(app: typer.Typer) -> None:
    FakeBroker.running = True
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0
    assert "ℹ️  Apache Kafka 4.1.1 is already running on 127.0.0.1:9092" in result.output
    assert FakeBroker.instances[0].calls == []


def test_init_failure_is_one_message_and_an_exit_code(app: typer.Typer) -> None:
    FakeBroker.fail_with = BrokerError("port 9092 on 127.0.0.1 is already in use")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 1
    assert "❌  port 9092 on 127.0.0.1 is already in use" in result.output
    assert "Traceback" not in result.output


def test_status_shows_a_table(app: typer.Typer) -> None:
    FakeBroker.running = True
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0
    assert "running" in result.output
    assert "4242" in result.output


def test_uninstall_all_removes_the_cache(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["uninstall", "--all"])
    assert result.exit_code == 0
    assert FakeBroker.instances[0].calls == ["uninstall(remove_cache=True)"]

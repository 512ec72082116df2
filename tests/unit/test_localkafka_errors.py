"""BrokerError messages: the fix, the port, and the broker log's last lines (fake java and mvn)."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from daprlite.localkafka import distribution
from daprlite.localkafka.broker import LocalBroker
from daprlite.localkafka.diagnostics import tail, with_log_tail
from daprlite.localkafka.settings import BrokerSettings
from daprlite.model.errors import BrokerError
from tests.support.ports import free_ports


def fake_java(path: Path, body: str) -> str:
    """An executable standing in for `java`: argv is the real command line daprlite builds."""
    script = f"#!{sys.executable}\nimport sys, pathlib\nargs = sys.argv[1:]\n" + body
    path.write_text(script)
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def kafka_home(tmp_path: Path) -> Path:
    """An unpacked-distribution lookalike, so no Maven run is needed."""
    libs = tmp_path / "kafka_2.13-4.1.1" / "libs"
    libs.mkdir(parents=True)
    (libs / "kafka_2.13-4.1.1.jar").touch()
    return libs.parent


@pytest.fixture
def broker_ports() -> tuple[int, int]:
    port, controller_port = free_ports(2)
    return port, controller_port


def make_broker(tmp_path: Path, kafka_home: Path, ports: tuple[int, int]) -> LocalBroker:
    settings = BrokerSettings(
        home=tmp_path / "home", port=ports[0], controller_port=ports[1], kafka_home=kafka_home
    )
    return LocalBroker(settings, probe=lambda _bootstrap: False)


def test_tail_keeps_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("".join(f"line {n}\n" for n in range(1, 31)))
    assert tail(log) == [f"line {n}" for n in range(11, 31)]
    message = with_log_tail("it broke.", log)
    assert message.startswith("it broke.\nLast 20 lines of ")
    assert "  | line 30" in message
    assert "line 10\n" not in message


def test_missing_log_is_said_plainly(tmp_path: Path) -> None:
    assert with_log_tail("it broke.", tmp_path / "nope.log").endswith(
        "(no broker log at " + str(tmp_path / "nope.log") + ")"
    )


def test_missing_java_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(distribution.shutil, "which", lambda _name: None)
    with pytest.raises(BrokerError, match=r"java was not found.*JAVA_HOME"):
        distribution.find_java()


def test_missing_mvn_says_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distribution.shutil, "which", lambda _name: None)
    with pytest.raises(BrokerError, match=r"mvn was not found.*KAFKA_HOME"):
        distribution.ensure_distribution(BrokerSettings(home=tmp_path))


def test_maven_failure_shows_its_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distribution.shutil, "which", lambda _name: "/usr/bin/mvn")

    def failing(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        assert (cwd / "pom.xml").is_file()
        return subprocess.CompletedProcess(command, 1, "", "[ERROR] Could not resolve kafka\n")

    settings = BrokerSettings(home=tmp_path)
    with pytest.raises(BrokerError, match=r"(?s)Maven could not download.*Could not resolve"):
        distribution.ensure_distribution(settings, run=failing)
    assert not settings.libs_dir.exists()


def test_maven_success_fills_the_cache_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distribution.shutil, "which", lambda _name: "/usr/bin/mvn")
    calls: list[list[str]] = []

    def copying(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        out = Path(next(a for a in command if a.startswith("-DoutputDirectory=")).split("=", 1)[1])
        out.mkdir(parents=True)
        (out / "kafka_2.13-4.1.1.jar").touch()
        return subprocess.CompletedProcess(command, 0, "", "")

    settings = BrokerSettings(home=tmp_path / "home", cache_dir=tmp_path / "cache")
    libs = distribution.ensure_distribution(settings, run=copying)
    assert libs == tmp_path / "cache" / "4.1.1" / "libs"
    assert (libs / "kafka_2.13-4.1.1.jar").is_file()
    assert distribution.ensure_distribution(settings, run=copying) == libs
    assert len(calls) == 1


def test_empty_kafka_home_is_rejected(tmp_path: Path) -> None:
    settings = BrokerSettings(home=tmp_path, kafka_home=tmp_path / "empty")
    with pytest.raises(BrokerError, match="holds no kafka_"):
        distribution.ensure_distribution(settings)


def test_busy_port_names_the_port(
    tmp_path: Path, kafka_home: Path, broker_ports: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(distribution, "find_java", lambda: "/nonexistent/java")
    broker = make_broker(tmp_path, kafka_home, broker_ports)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", broker_ports[0]))
        busy.listen()
        with pytest.raises(BrokerError, match=f"port {broker_ports[0]} .*--kafka-port"):
            broker.start(timeout=1.0)


def test_failed_format_shows_the_log_tail(
    tmp_path: Path, kafka_home: Path, broker_ports: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    java = fake_java(
        tmp_path / "java",
        textwrap.dedent("""
            for n in range(1, 26):
                print(f"format line {n}")
            sys.exit(3)
        """),
    )
    monkeypatch.setattr(distribution, "find_java", lambda: java)
    broker = make_broker(tmp_path, kafka_home, broker_ports)
    with pytest.raises(BrokerError) as caught:
        broker.start(timeout=5.0)
    message = str(caught.value)
    assert "formatting the Kafka storage" in message
    assert "exit code 3" in message
    assert "format line 25" in message
    assert "format line 5\n" not in message


def test_broker_that_dies_while_starting(
    tmp_path: Path, kafka_home: Path, broker_ports: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    java = fake_java(
        tmp_path / "java",
        textwrap.dedent("""
            if "format" in args:
                config = pathlib.Path(args[args.index("--config") + 1]).read_text()
                data = next(l for l in config.splitlines() if l.startswith("log.dirs="))[9:]
                (pathlib.Path(data) / "meta.properties").write_text("formatted")
                sys.exit(0)
            print("ERROR Exiting Kafka due to fatal exception", flush=True)
            sys.exit(1)
        """),
    )
    monkeypatch.setattr(distribution, "find_java", lambda: java)
    broker = make_broker(tmp_path, kafka_home, broker_ports)
    with pytest.raises(BrokerError) as caught:
        broker.start(timeout=30.0)
    message = str(caught.value)
    assert "exited with exit code 1 while starting" in message
    assert "Exiting Kafka due to fatal exception" in message
    assert not broker.status().running
    assert not broker.settings.state_file.exists()

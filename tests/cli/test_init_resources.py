"""The default resources of `daprlite init` (components, secret store, config.yaml): written,
kept when the user changed them, removed by `uninstall`, and read by `run` and the loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from daprlite.bindings.registry import BindingRegistry
from daprlite.cli import app as daprlite_app
from daprlite.cli import broker as cli_broker
from daprlite.cli import run as cli_run
from daprlite.components.configuration import read_configuration
from daprlite.components.loader import load_components
from daprlite.process import manifest
from daprlite.process.defaults import default_resources
from daprlite.secretstores.registry import SecretStoreRegistry
from tests.unit.test_localkafka_cli import FakeBroker
from tests.unit.test_localkafka_cluster_cli import use_fake_brokers

BINDING = "components/kafka-binding.yaml"


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_fake_brokers(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    root.callback()(lambda: None)
    cli_broker.register(root)
    return root


def brokers_of(home: Path) -> str:
    document = yaml.safe_load((home / BINDING).read_text())
    values = {item["name"]: item["value"] for item in document["spec"]["metadata"]}
    return str(values["brokers"])


def test_init_writes_the_defaults_and_says_where(app: typer.Typer, home: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--kafka-port", "9300"])
    assert result.exit_code == 0, result.output
    assert f"Default components in {home / 'components'} and config in {home / 'config.yaml'}" in (
        result.output
    )
    assert brokers_of(home) == "127.0.0.1:9300"
    assert json.loads((home / "secrets.json").read_text()) == {}
    assert sorted(json.loads((home / manifest.MANIFEST).read_text())) == [
        "components/kafka-binding.yaml",
        "components/local-secret-store.yaml",
        "config.yaml",
        "secrets.json",
    ]


def test_the_defaults_load_as_a_run_would_load_them(home: Path) -> None:
    manifest.write_files(home, default_resources(home, "127.0.0.1:9092"))
    components = load_components(
        [home / "components"], catalogue=BindingRegistry(), secret_stores=SecretStoreRegistry()
    )
    found = {(c.name, c.type) for c in components}
    assert found == {
        ("sample-topic", "bindings.kafka"),
        ("local-secret-store", "secretstores.local.file"),
    }
    registry = BindingRegistry()
    for component in components:
        if component.category == "bindings":
            registry.check(component)  # the Kafka type's own metadata decoding
    configuration = read_configuration(home / "config.yaml")
    assert configuration.tracing is not None and configuration.tracing.sampling_rate == 1.0
    assert configuration.metrics_enabled is True


def test_a_cluster_gets_a_binding_on_every_node(app: typer.Typer, home: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--brokers", "3", "--kafka-port", "9300"])
    assert result.exit_code == 0, result.output
    assert brokers_of(home) == "127.0.0.1:9300,127.0.0.1:9302,127.0.0.1:9304"


def test_a_second_init_rewrites_only_what_it_wrote(app: typer.Typer, home: Path) -> None:
    assert CliRunner().invoke(app, ["init", "--kafka-port", "9300"]).exit_code == 0
    config = home / "config.yaml"
    config.write_text(config.read_text() + "  # mine\n")
    FakeBroker.running = False
    result = CliRunner().invoke(app, ["init", "--kafka-port", "9400"])
    assert result.exit_code == 0, result.output
    assert f"kept {config}: it was changed since `daprlite init` wrote it" in result.output
    assert config.read_text().endswith("  # mine\n")
    assert brokers_of(home) == "127.0.0.1:9400"  # unchanged by the user: follows the broker


def test_a_file_the_user_made_is_never_overwritten(home: Path) -> None:
    mine = home / BINDING
    mine.parent.mkdir()
    mine.write_text("# my own binding\n")
    outcome = manifest.write_files(home, default_resources(home, "127.0.0.1:9092"))
    assert outcome.kept == [mine] and mine.read_text() == "# my own binding\n"
    assert BINDING not in json.loads((home / manifest.MANIFEST).read_text())


def test_an_init_with_nothing_to_change_says_so(app: typer.Typer, home: Path) -> None:
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert f"Default components in {home / 'components'} are up to date" in result.output


def test_uninstall_removes_what_init_wrote_and_keeps_the_rest(app: typer.Typer, home: Path) -> None:
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    secrets = home / "secrets.json"
    secrets.write_text('{"kafka-password": "changed-by-me"}\n')
    own = home / "components" / "orders.yaml"
    own.write_text("# the user's own component\n")
    result = CliRunner().invoke(app, ["uninstall"])
    assert result.exit_code == 0, result.output
    assert f"kept {secrets}: it was changed since `daprlite init` wrote it" in result.output
    assert "changed-by-me" not in result.output  # named, never shown
    left = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert left == ["components", "components/orders.yaml", "secrets.json"]


def test_uninstall_of_a_home_init_never_touched_removes_nothing(
    app: typer.Typer, home: Path
) -> None:
    (home / "config.yaml").write_text("# mine\n")
    result = CliRunner().invoke(app, ["uninstall"])
    assert result.exit_code == 0, result.output
    assert (home / "config.yaml").read_text() == "# mine\n"
    assert "default components" not in result.output


def test_run_reads_the_default_config_only_when_it_exists(home: Path) -> None:
    assert cli_run._default_config() is None
    manifest.write_files(home, default_resources(home, "127.0.0.1:9092"))
    assert cli_run._default_config() == home / "config.yaml"


def test_version_names_daprlite_kafka_and_dapr() -> None:
    from daprlite import DAPR_RUNTIME_COMPAT, __version__
    from daprlite.localkafka import KAFKA_VERSION

    result = CliRunner().invoke(daprlite_app, ["--version"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"daprlite {__version__}"
    assert lines[1].startswith(f"Apache Kafka {KAFKA_VERSION} ")
    assert lines[2].startswith(f"Dapr runtime {DAPR_RUNTIME_COMPAT}, API v1.0 ")

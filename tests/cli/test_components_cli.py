"""`daprlite components list|validate` through Typer's CliRunner."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from daprlite.cli import components

SEED_DIR = Path(__file__).resolve().parents[2] / "components"

BINDING = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: {type}
  version: v1
  metadata:
    - name: brokers
      value: localhost:9092
scopes: {scopes}
"""


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """A root like daprlite's, so `components` is a sub-command."""

    components.register(root)
    return root


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("NO_COLOR", raising=False)
    return CliRunner()


def write(folder: Path, name: str, *, type_: str = "bindings.kafka", scopes: str = "[]") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    text = BINDING.format(name=name, type=type_, scopes=scopes)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_list_table_is_plain_when_not_a_tty(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["components", "list", "-d", str(SEED_DIR)])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["NAME", "TYPE", "VERSION", "SCOPES", "FILE"]
    assert row.split() == [
        "sample-topic",
        "bindings.kafka",
        "v1",
        "-",
        f"{SEED_DIR / 'kafka_bindings.yaml'}:1",
    ]
    assert "\x1b[" not in result.stdout


def test_list_json_and_yaml(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    a = write(tmp_path, "a", scopes="[app1, app2]")
    write(tmp_path, "b", scopes="[app3]")
    result = runner.invoke(
        app, ["components", "list", "--resources-path", str(tmp_path), "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["a", "b"]
    assert rows[0] == {
        "name": "a",
        "type": "bindings.kafka",
        "version": "v1",
        "scopes": ["app1", "app2"],
        "file": str(a),
        "line": 1,
    }
    result = runner.invoke(
        app, ["components", "list", "-d", str(tmp_path), "-a", "app1", "-o", "yaml"]
    )
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in yaml.safe_load(result.stdout)] == ["a"]


def test_list_refuses_an_unknown_format(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["components", "list", "-d", str(SEED_DIR), "-o", "xml"])
    assert result.exit_code == 2
    assert "❌  --output must be one of table, json, yaml" in result.stderr


def test_list_uses_daprlite_home_by_default(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAPRLITE_HOME", str(tmp_path))
    write(tmp_path / "components", "orders")
    result = runner.invoke(app, ["components", "list", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["orders"]


def test_validate_ok(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["components", "validate", "-p", str(SEED_DIR)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "✅  1 component valid\n"


def test_validate_reports_every_problem(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path, "a", type_="bindings.rabbitmq")
    b = write(tmp_path, "b", scopes="app1")
    result = runner.invoke(app, ["components", "validate", "--components-path", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("❌  invalid components (2 problems):")
    assert f"{tmp_path / 'a.yaml'}:6: unknown binding type bindings.rabbitmq" in result.stderr
    assert f"{b}:11: scopes must be a list of app ids" in result.stderr
    # The list grows with every binding type; each branch that adds one must not edit this.
    assert "supported binding types: bindings." in result.stderr
    assert "bindings.kafka" in result.stderr


def test_validate_missing_folder(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["components", "validate", "-p", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "--components-path" in result.stderr

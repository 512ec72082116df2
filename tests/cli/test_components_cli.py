"""`daprlite components list|validate` through Typer's CliRunner."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from daprlite.bindings.registry import BindingRegistry
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
    write(tmp_path, "a", type_="bindings.smtp")
    b = write(tmp_path, "b", scopes="app1")
    result = runner.invoke(app, ["components", "validate", "--components-path", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("❌  invalid components (2 problems):")
    assert f"{tmp_path / 'a.yaml'}:6: unknown binding type bindings.smtp" in result.stderr
    assert f"{b}:11: scopes must be a list of app ids" in result.stderr
    supported = ", ".join(BindingRegistry().supported_types())
    assert f"supported binding types: {supported}" in result.stderr


def test_validate_missing_folder(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["components", "validate", "-p", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "--components-path" in result.stderr


BAD_METADATA = {
    "cron.yaml": (
        "bindings.cron",
        {"schedule": "@every 1 minute"},
        "component cron: metadata field 'schedule' is not a valid schedule",
    ),
    "files.yaml": (
        "bindings.localstorage",
        {"rootPath": "/proc/daprlite"},
        "component files: metadata field 'rootPath'",
    ),
    "orders.yaml": (
        "bindings.kafka",
        {"brokers": "localhost:9092", "authType": "sometimes"},
        "component orders: metadata field 'authType' has an invalid value 'sometimes'",
    ),
    "api.yaml": (
        "bindings.http",
        {"url": "http://localhost:1", "maxResponseBodySize": "lots"},
        "component api: metadata field 'maxResponseBodySize'",
    ),
    "db.yaml": (
        "bindings.postgresql",
        {"connectionString": "host=localhost port=notaport"},
        "initialization error occurred for db (bindings.postgresql/v1): failed to parse",
    ),
}


def test_validate_checks_each_types_metadata_without_connecting(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    for file, (type_, metadata, _) in BAD_METADATA.items():
        items = "".join(f"    - name: {k}\n      value: {v!r}\n" for k, v in metadata.items())
        (tmp_path / file).write_text(
            "apiVersion: dapr.io/v1alpha1\nkind: Component\n"
            f"metadata:\n  name: {file.removesuffix('.yaml')}\n"
            f"spec:\n  type: {type_}\n  version: v1\n  metadata:\n{items}"
        )
    result = runner.invoke(app, ["components", "validate", "-p", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"❌  invalid components ({len(BAD_METADATA)} problems):")
    for file, (_, _, expected) in BAD_METADATA.items():
        assert f"{tmp_path / file}:" in result.stderr and expected in result.stderr, file


SASL_FROM_STORE = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: bindings.kafka
  version: v1
  metadata:
    - {name: brokers, value: "localhost:9092"}
    - {name: authType, value: password}
    - {name: saslUsername, value: alice}
    - name: saslPassword
      secretKeyRef: {name: kafka-sasl, key: password}
auth:
  secretStore: kafka-secrets
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: kafka-secrets
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - {name: secretsFile, value: secrets.json}
"""


def test_a_password_from_a_secret_store_counts_as_given(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "c.yaml").write_text(textwrap.dedent(SASL_FROM_STORE).lstrip())
    result = runner.invoke(app, ["components", "validate", "-d", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 components valid" in result.output
    listed = runner.invoke(app, ["components", "list", "-d", str(tmp_path), "-o", "json"])
    assert [(c["name"], c["type"]) for c in json.loads(listed.output)] == [
        ("orders", "bindings.kafka"),
        ("kafka-secrets", "secretstores.local.file"),
    ]


def test_validate_reports_resiliency_problems_at_their_lines(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path, "a")
    policy = tmp_path / "resiliency.yaml"
    policy.write_text("kind: Resiliency\nspec:\n  policies:\n    timeouts:\n      t: soon\n")
    result = runner.invoke(app, ["components", "validate", "-p", str(tmp_path)])
    assert result.exit_code == 1
    # The component's own problem (no authType) and the policy's, together.
    assert result.stderr.startswith("❌  invalid components (2 problems):")
    assert f'{policy}:5: policies.timeouts.t: time: invalid duration "soon"' in result.stderr

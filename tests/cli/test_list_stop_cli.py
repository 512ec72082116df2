"""`daprlite list` / `stop` through Typer's CliRunner, over run files of this very process."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from daprlite.cli import app
from daprlite.cli.list_stop import age
from daprlite.process.runs import new_entry, write_entry

DAPR_KEYS = [
    "appId", "httpPort", "grpcPort", "appPort", "metricsEnabled", "command", "age", "created",
    "daprdPid", "cliPid", "appPid", "maxRequestBodySize", "httpReadBufferSize",
    "runTemplatePath", "appLogPath", "daprdLogPath", "runTemplateName",
]  # fmt: skip


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAPRLITE_HOME", str(tmp_path))
    return tmp_path


def test_empty_list(home) -> None:
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0
    assert result.output == "No Dapr instances found.\n"
    assert json.loads(CliRunner().invoke(app, ["list", "-o", "json"]).output) == []


def test_list_has_the_dapr_cli_keys_and_columns(home) -> None:
    entry = new_entry("orders", 3500, 50001, app_port=3000, command="python3 -m orders.service")
    write_entry(entry, home / "runs")
    (row,) = json.loads(CliRunner().invoke(app, ["list", "-o", "json"]).output)
    # Dapr's keys in Dapr's order, then daprlite's one addition.
    assert list(row) == [*DAPR_KEYS, "metricsPort"]
    assert row["metricsEnabled"] is False and row["metricsPort"] == 0
    assert row["appId"] == "orders" and row["httpPort"] == 3500 and row["appPort"] == 3000
    assert row["command"] == "python3 -m orders.service"
    (as_yaml,) = yaml.safe_load(CliRunner().invoke(app, ["list", "-o", "yaml"]).output)
    assert as_yaml == row
    header, line = CliRunner().invoke(app, ["list"]).output.splitlines()
    assert header.startswith("APP ID  HTTP PORT  GRPC PORT  APP PORT  METRICS PORT  COMMAND")
    assert "python3 -m orders..." in line  # cut at 20 characters, as the dapr CLI does


def test_list_shows_the_metrics_port(home) -> None:
    write_entry(new_entry("orders", 3500, 50001, metrics_port=9123), home / "runs")
    (row,) = json.loads(CliRunner().invoke(app, ["list", "-o", "json"]).output)
    assert row["metricsEnabled"] is True and row["metricsPort"] == 9123


def test_bad_output_format(home) -> None:
    result = CliRunner().invoke(app, ["list", "-o", "xml"])
    assert result.exit_code == 2


def test_stop_needs_an_app_id_or_a_template(home) -> None:
    result = CliRunner().invoke(app, ["stop"])
    assert result.exit_code == 2
    assert "give an app id" in result.output


def test_stop_of_unknown_ids_names_each(home) -> None:
    result = CliRunner().invoke(app, ["stop", "a", "--app-id", "b"])
    assert result.exit_code == 1
    assert "❌  failed to stop app id a: couldn't find app id a" in result.output
    assert "❌  failed to stop app id b: couldn't find app id b" in result.output


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (59.9, "59s"), (61, "1m"), (3600, "60m"), (7300, "2h"),
                          (86400 * 3 + 5, "3d")],
)  # fmt: skip
def test_age(seconds, text) -> None:
    assert age(1000.0, now=1000.0 + seconds) == text

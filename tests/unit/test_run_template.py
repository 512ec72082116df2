"""Multi-App Run template: Dapr's keys, paths resolved as the dapr CLI does, errors at file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from daprlite.model.config import default_components_path
from daprlite.model.errors import ConfigError
from daprlite.multiapp.template import load_template

ROOT = Path(__file__).resolve().parents[2]


def write(folder: Path, text: str) -> Path:
    path = folder / "dapr.yaml"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("components", "order-processor", "checkout", "checkout/res"):
        (tmp_path / name).mkdir()
    return tmp_path


def test_the_quickstart_template_runs_both_seed_apps() -> None:
    template = load_template(ROOT / "quickstart")  # a folder means its dapr.yaml
    node, python = template.apps
    assert node.config.app_id == "bindings-nodeapp"
    assert node.config.app_port == 3000
    assert node.config.command == ("node", "app.js")
    assert node.app_dir == ROOT / "quickstart" / "nodeapp"
    assert node.config.components_paths == (ROOT / "components",)
    assert python.config.app_id == "bindings-pythonapp"
    assert python.config.app_port is None
    assert (node.app_log, node.daprd_log) == ("fileAndConsole", "file")


def test_common_fills_in_and_apps_override(project: Path) -> None:
    path = write(
        project,
        """
        version: 1
        name: shop
        common:
          resourcesPath: ./components
          logLevel: debug
          env: {SHARED: "1", MODE: common}
          daprdLogDestination: console
        apps:
          - appDirPath: ./order-processor
            appPort: 6001
            command: ["python3", "app.py"]
          - appID: checkout
            appDirPath: checkout
            resourcesPath: ./res
            logLevel: warn
            env: {MODE: app, COUNT: 3}
            appLogDestination: file
            daprHTTPPort: 3601
            command: ["node", "app.js"]
        """,
    )
    template = load_template(path)
    assert template.name == "shop"
    first, second = template.apps
    assert first.config.app_id == "order-processor"  # the folder's name
    assert first.config.components_paths == (project / "components",)
    assert first.config.log_level == "debug"
    assert dict(first.config.env) == {"SHARED": "1", "MODE": "common"}
    assert first.config.app_dir == project / "order-processor"
    assert first.logs_dir == project / "order-processor" / ".dapr" / "logs"
    # App-level paths are relative to the app's folder; the app's values win.
    assert second.config.components_paths == (project / "checkout" / "res",)
    assert second.config.log_level == "warn"
    assert dict(second.config.env) == {"SHARED": "1", "MODE": "app", "COUNT": "3"}
    assert second.config.dapr_http_port == 3601
    assert (second.app_log, second.daprd_log) == ("file", "console")


def test_an_apps_own_dapr_resources_folder_beats_common(project: Path) -> None:
    (project / "checkout" / ".dapr" / "resources").mkdir(parents=True)
    path = write(
        project,
        """
        version: 1
        common: {resourcesPath: ./components}
        apps:
          - appDirPath: ./checkout
        """,
    )
    (app,) = load_template(path).apps
    assert app.config.components_paths == (project / "checkout" / ".dapr" / "resources",)


def test_without_any_resources_path_the_default_folder_is_used(project: Path) -> None:
    (app,) = load_template(write(project, "version: 1\napps:\n  - appDirPath: checkout\n")).apps
    assert app.config.components_paths == (default_components_path(),)
    assert app.config.command == ()


def test_every_problem_is_reported_with_its_line(project: Path) -> None:
    path = write(
        project,
        """
        common:
          logLevel: loud
        apps:
          - appDirPath: ./missing
          - appID: a.b
            appDirPath: ./checkout
            appPort: http
            command: python3 app.py
            appLogDestination: syslog
            colour: blue
          - appPort: 1
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load_template(path)
    message = str(caught.value)
    for line, text in [
        (1, "required field 'version' is missing"),
        (2, "logLevel must be one of debug, info, warn, error, fatal, panic, not loud"),
        (4, "path ./missing does not exist"),
        (5, "appID cannot contain dots: a.b"),
        (7, "'http' is not a port number"),
        (8, "command must be a list"),
        (9, "appLogDestination: 'syslog'"),
        (10, "unknown key 'colour'"),
        (11, "required field 'appDirPath' is missing"),
    ]:
        assert f"{path}:{line}: {text}" in message, message
    assert "invalid run template (9 problems)" in message


def test_yaml_syntax_errors_name_the_line(project: Path) -> None:
    path = write(project, "version: 1\napps:\n  - appDirPath: [oops\n")
    with pytest.raises(ConfigError, match=rf"{path}:\d+: invalid YAML"):
        load_template(path)


def test_a_missing_template_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"pass a dapr\.yaml file or its folder"):
        load_template(tmp_path)


def test_duplicate_app_ids_are_refused(project: Path) -> None:
    path = write(
        project,
        """
        version: 1
        apps:
          - {appDirPath: ./checkout}
          - {appDirPath: ./checkout}
        """,
    )
    with pytest.raises(ConfigError, match="app id checkout is used by two apps"):
        load_template(path)


CONFIGURATION = """\
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: {name: tracing}
spec:
  tracing:
    samplingRate: "1"
    otel: {endpointAddress: "localhost:4318", protocol: http, isSecure: false}
  metrics: {enabled: false}
"""


def test_config_file_path_is_read_from_common_or_the_app(project: Path) -> None:
    (project / "config.yaml").write_text(CONFIGURATION)
    (project / "checkout" / "own.yaml").write_text(CONFIGURATION.replace('"1"', '"0.25"'))
    path = write(
        project,
        """
        version: 1
        common:
          configFilePath: ./config.yaml
        apps:
          - appDirPath: ./order-processor
            command: ["python3", "app.py"]
          - appDirPath: checkout
            configFilePath: own.yaml
            command: ["node", "app.js"]
        """,
    )
    first, second = load_template(path).apps
    assert first.config.config_file == project / "config.yaml"
    assert first.config.tracing is not None and first.config.tracing.sampling_rate == 1.0
    assert first.config.tracing.otel_endpoint == "localhost:4318"
    assert first.config.metrics_enabled is False
    # An app's own path is relative to its folder, and wins over common's.
    assert second.config.tracing is not None and second.config.tracing.sampling_rate == 0.25


def test_without_config_file_path_the_app_s_own_then_init_s_config_is_used(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(CONFIGURATION.replace('"1"', '"0.5"'))
    monkeypatch.setenv("DAPRLITE_HOME", str(home))
    (project / "checkout" / ".dapr").mkdir()
    (project / "checkout" / ".dapr" / "config.yaml").write_text(CONFIGURATION)
    path = write(
        project,
        """
        version: 1
        apps:
          - appDirPath: ./order-processor
            command: ["python3", "app.py"]
          - appDirPath: checkout
            command: ["node", "app.js"]
        """,
    )
    first, second = load_template(path).apps
    assert first.config.config_file == home / "config.yaml"
    assert first.config.tracing is not None and first.config.tracing.sampling_rate == 0.5
    assert second.config.config_file == project / "checkout" / ".dapr" / "config.yaml"


def test_a_bad_configuration_is_told_at_its_own_line(project: Path) -> None:
    (project / "config.yaml").write_text(CONFIGURATION.replace('"1"', "often"))
    path = write(
        project,
        """
        version: 1
        apps:
          - appDirPath: ./order-processor
            configFilePath: ../config.yaml
            command: ["python3", "app.py"]
        """,
    )
    with pytest.raises(ConfigError, match=r"config\.yaml:6: tracing\.samplingRate must be"):
        load_template(path)

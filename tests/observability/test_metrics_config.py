"""How metrics are asked for: `run` flags (Go bool syntax) and Multi-App Run template keys."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from daprlite.cli.run import _build_config, _go_bool, bare_bool_flags
from daprlite.model.config import RunConfig
from daprlite.model.errors import ConfigError
from daprlite.multiapp.template import load_template


def test_enable_metrics_reads_like_a_go_bool_flag() -> None:
    assert bare_bool_flags(["run", "--enable-metrics", "--", "app", "--enable-metrics"]) == [
        "run", "--enable-metrics=true", "--", "app", "--enable-metrics",
    ]  # fmt: skip
    assert _go_bool("--enable-metrics", "false") is False
    assert _go_bool("--enable-metrics", "T") is True
    with pytest.raises(ConfigError, match=r"strconv\.ParseBool"):
        _go_bool("--enable-metrics", "nope")


def test_metrics_flags_reach_the_run_config() -> None:
    args = (["app"], "a", 0, 0, 0, [], "http", "info", False, 60.0)
    config = _build_config(*args, enable_metrics=False, metrics_port=9123)
    assert (config.enable_metrics, config.metrics_port) == (False, 9123)
    with pytest.raises(ConfigError, match="--metrics-port must be a port number"):
        _build_config(*args, enable_metrics=True, metrics_port=70000)


def test_template_keys(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "dapr.yaml").write_text(
        textwrap.dedent(
            """
            version: 1
            apps:
              - appDirPath: ./one
                command: [python3, app.py]
                metricsPort: 9191
              - appDirPath: ./two
                command: [python3, app.py]
                enableMetrics: false
            """
        )
    )
    one, two = load_template(tmp_path).apps
    assert (one.config.enable_metrics, one.config.metrics_port) == (True, 9191)
    assert two.config.enable_metrics is False


def test_a_configuration_can_turn_metrics_off_as_daprd_reads_it() -> None:
    assert RunConfig("a").serves_metrics
    assert RunConfig("a", metrics_enabled=True).serves_metrics
    assert not RunConfig("a", metrics_enabled=False).serves_metrics  # spec.metrics.enabled
    assert not RunConfig("a", enable_metrics=False, metrics_enabled=True).serves_metrics

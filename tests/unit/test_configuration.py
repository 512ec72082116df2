"""The Dapr Configuration reader: spec.tracing and spec.metrics.enabled, problems at file:line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from daprlite.components.configuration import ConfigurationError, read_configuration
from daprlite.model.tracing import DEFAULT_SAMPLING_RATE, TracingSpec


def write(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "config.yaml"
    file.write_text(text)
    return file


HEAD = "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: daprConfig\n"


def test_the_file_dapr_init_writes(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        HEAD + 'spec:\n  tracing:\n    samplingRate: "1"\n    zipkin:\n'
        "      endpointAddress: http://localhost:9411/api/v2/spans\n",
    )
    config = read_configuration(file)
    assert config.tracing == TracingSpec(1.0, "http://localhost:9411/api/v2/spans")
    assert config.metrics_enabled is None


def test_otel_and_metrics(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        HEAD + "spec:\n  tracing:\n    samplingRate: '0.5'\n    otel:\n"
        "      endpointAddress: localhost:4318\n      protocol: http\n      isSecure: false\n"
        "  metrics:\n    enabled: false\n",
    )
    config = read_configuration(file)
    assert config.tracing == TracingSpec(0.5, "", "localhost:4318", "http", False)
    assert config.metrics_enabled is False


def test_no_tracing_section_is_tracing_off_and_no_rate_is_daprds_default(tmp_path: Path) -> None:
    assert read_configuration(write(tmp_path, HEAD + "spec: {}\n")).tracing is None
    config = read_configuration(write(tmp_path, HEAD + "spec:\n  tracing:\n    stdout: true\n"))
    assert config.tracing == TracingSpec(
        DEFAULT_SAMPLING_RATE, stdout=True, sampling_rate_given=False
    )


def test_a_rate_above_one_is_always(tmp_path: Path) -> None:
    config = read_configuration(
        write(tmp_path, HEAD + "spec:\n  tracing:\n    samplingRate: '7'\n")
    )
    assert config.tracing is not None and config.tracing.sampling_rate == 1.0


def test_every_bad_value_is_told_at_its_line(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        HEAD + "spec:\n"  # line 5
        "  tracing:\n"
        "    samplingRate: lots\n"  # 7
        "    otel:\n"
        "      endpointAddress: [a]\n"  # 9
        "      protocol: udp\n"  # 10
        "      isSecure: maybe\n"  # 11
        "  metrics:\n"
        "    enabled: 3\n",  # 13
    )
    with pytest.raises(ConfigurationError) as caught:
        read_configuration(file)
    lines = [(p.line, p.message) for p in caught.value.problems]
    assert lines == [
        (7, "tracing.samplingRate must be a number from 0 to 1, not 'lots'"),
        (9, "tracing.otel.endpointAddress must be text"),
        (10, "tracing.otel.protocol must be http or grpc, not udp"),
        (11, "tracing.otel.isSecure must be true or false"),
        (13, "metrics.enabled must be true or false"),
    ]
    assert f"{file}:7: tracing.samplingRate" in str(caught.value)


@pytest.mark.parametrize("rate", ["-1", "nan", "1_0", "0x1p-2"])
def test_rates_go_would_refuse_or_that_are_negative(tmp_path: Path, rate: str) -> None:
    file = write(tmp_path, HEAD + f"spec:\n  tracing:\n    samplingRate: '{rate}'\n")
    with pytest.raises(ConfigurationError, match="samplingRate"):
        read_configuration(file)


def test_not_a_configuration_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r":1: not a dapr\.io/v1alpha1 Configuration"):
        read_configuration(write(tmp_path, "apiVersion: dapr.io/v1alpha1\nkind: Component\n"))
    with pytest.raises(ConfigurationError, match=r"config.yaml:\d+: "):
        read_configuration(write(tmp_path, HEAD + "spec: [\n"))
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_configuration(tmp_path / "missing.yaml")


def test_unknown_fields_are_ignored_with_a_debug_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = write(
        tmp_path,
        HEAD + "spec:\n  mtls:\n    enabled: true\n  tracing:\n    samplingRate: '1'\n"
        "    otel:\n      endpointAddress: h:1\n      protocol: grpc\n      isSecure: true\n"
        "      headers:\n      - authorization=Bearer s3cret\n      compression: gzip\n",
    )
    with caplog.at_level(logging.DEBUG, logger="daprlite.components"):
        config = read_configuration(file)
    headers = (("authorization", "Bearer s3cret"),)
    assert config.tracing == TracingSpec(1.0, "", "h:1", "grpc", True, otel_headers=headers)
    assert "spec.mtls has no effect" in caplog.text
    assert "spec.tracing.otel.compression has no effect" in caplog.text
    assert "s3cret" not in caplog.text


def test_run_config_file_flag_fills_run_config(tmp_path: Path) -> None:
    from daprlite.cli.run import _build_config

    file = write(
        tmp_path, HEAD + "spec:\n  tracing:\n    samplingRate: '1'\n  metrics:\n    enabled: true\n"
    )
    config = _build_config(["--", "app"], "a", 0, 0, 0, [], "http", "info", False, 60.0, file)
    assert config.config_file == file and config.metrics_enabled is True
    assert config.tracing == TracingSpec(1.0)
    bad = write(tmp_path, HEAD + "spec:\n  tracing:\n    samplingRate: often\n")
    with pytest.raises(ConfigurationError, match=r"config\.yaml:7:"):
        _build_config([], "a", 0, 0, 0, [], "http", "info", False, 60.0, bad)

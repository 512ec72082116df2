"""`daprlite run -f dapr.yaml -k`: the manifests `dapr run -f -k` writes, with its gaps fixed;
quickstart/deploy/ kept equal to what quickstart/dapr.yaml renders; applying through kubectl."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from daprlite.cli import run as run_cli
from daprlite.kubernetes.findings import errors
from daprlite.kubernetes.render import render
from daprlite.multiapp.template import load_template

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "quickstart"


@pytest.fixture
def cli() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """A root like daprlite's, so `run` is a sub-command."""

    run_cli.register(root)
    return root


def test_quickstart_deploy_is_what_the_template_renders(tmp_path: Path) -> None:
    rendered = render(load_template(QUICKSTART / "dapr.yaml"), environ={})
    assert errors(rendered.findings) == []
    files = dict(rendered.flat_layout(tmp_path))
    committed = {p: p.read_text() for p in (QUICKSTART / "deploy").glob("*.yaml")}
    assert {p.name for p in committed} == {p.name for p in files}, (
        "re-render: daprlite run -f quickstart/dapr.yaml -k --render-only "
        "--manifests-dir quickstart/deploy"
    )
    for path, text in committed.items():
        assert files[tmp_path / path.name] == text, path.name


def _template(tmp_path: Path, apps: str, components: str = "", config: str = "") -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "components").mkdir()
    if components:
        (tmp_path / "components" / "c.yaml").write_text(textwrap.dedent(components))
    common = "  resourcesPath: ./components\n"
    if config:
        (tmp_path / "config.yaml").write_text(textwrap.dedent(config))
        common += "  configFilePath: ./config.yaml\n"
    path = tmp_path / "dapr.yaml"
    path.write_text(
        f"version: 1\ncommon:\n{common}apps:\n" + textwrap.indent(textwrap.dedent(apps), "  ")
    )
    return path


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


CRON = """\
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata: {name: tick}
    spec:
      type: bindings.cron
      version: v1
      metadata:
        - {name: schedule, value: "@every 1s"}
    scopes: [orders]
"""


def test_render_only_writes_where_dapr_run_k_writes(tmp_path: Path, cli: typer.Typer) -> None:
    template = _template(tmp_path, """\
        - appID: orders
          appDirPath: ./app
          appPort: 3000
          logLevel: debug
          appProtocol: grpc
          metricsPort: 9191
          containerImage: orders:1.0
          createService: true
          enableApiLogging: true
        """, components=CRON, config="""\
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata: {name: tracing}
        spec: {tracing: {samplingRate: "1"}}
        """)  # fmt: skip
    result = CliRunner().invoke(cli, ["run", "-f", str(template), "-k", "--render-only"])
    assert result.exit_code == 0, result.output
    deploy = tmp_path / "app" / ".dapr" / "deploy"
    assert sorted(p.name for p in deploy.iterdir()) == ["deployment.yaml", "service.yaml"]
    body = _load(deploy / "deployment.yaml")
    pod = body["spec"]["template"]
    assert pod["metadata"]["annotations"] == {
        "dapr.io/enabled": "true",
        "dapr.io/app-id": "orders",
        "dapr.io/app-port": "3000",
        "dapr.io/app-protocol": "grpc",
        "dapr.io/log-level": "debug",
        "dapr.io/config": "tracing",
        "dapr.io/metrics-port": "9191",
        "dapr.io/enable-api-logging": "true",
    }  # no empty unix-domain-socket-path
    (container,) = pod["spec"]["containers"]
    assert container["imagePullPolicy"] == "IfNotPresent" and container["image"] == "orders:1.0"
    assert [e["name"] for e in container["env"]] == ["APP_ID", "APP_PORT", "DAPR_METRICS_PORT"]
    assert body["spec"]["selector"]["matchLabels"] == pod["metadata"]["labels"] == {"app": "orders"}
    assert _load(deploy / "service.yaml")["spec"]["ports"] == [
        {"protocol": "TCP", "port": 80, "targetPort": 3000}
    ]
    shared = tmp_path / ".dapr" / "deploy"
    assert sorted(p.name for p in shared.iterdir()) == ["c.yaml", "configuration-tracing.yaml"]
    # Components move unchanged: byte for byte.
    assert (shared / "c.yaml").read_bytes() == (tmp_path / "components" / "c.yaml").read_bytes()


def test_metrics_default_to_the_injector_port_and_no_service_unless_asked(tmp_path: Path) -> None:
    template = _template(tmp_path, """\
        - appID: orders
          appDirPath: ./app
          containerImage: orders:1.0
          containerImagePullPolicy: Never
          unixDomainSocket: /tmp/dapr
        """, components=CRON)  # fmt: skip
    rendered = render(load_template(template), environ={})
    (deployment,) = [m for m in rendered.manifests if m.app is not None]
    assert deployment.name == "deployment.yaml"
    pod = yaml.safe_load(deployment.text)["spec"]["template"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["dapr.io/metrics-port"] == "9090"
    assert annotations["dapr.io/unix-domain-socket-path"] == "/tmp/dapr"
    assert "dapr.io/app-port" not in annotations and "dapr.io/config" not in annotations
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"


SECRET_COMPONENTS = """\
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata: {name: kafka-secrets}
    spec:
      type: secretstores.local.file
      version: v1
      metadata:
        - {name: secretsFile, value: ./secrets.json}
    scopes: [orders]
    ---
    apiVersion: dapr.io/v1alpha1
    kind: Component
    metadata: {name: sample-topic}
    spec:
      type: bindings.kafka
      version: v1
      metadata:
        - {name: brokers, envRef: KAFKA_BROKERS}
        - {name: saslPassword, envRef: KAFKA_PASSWORD}
        - {name: saslUsername, secretKeyRef: {name: kafka-sasl, key: user}}
        - {name: topics, value: sample}
        - {name: consumeRetryEnabled, value: "true"}
    auth: {secretStore: kafka-secrets}
    scopes: [orders]
"""


def test_per_world_values_secret_store_and_env(tmp_path: Path) -> None:
    template = _template(tmp_path, """\
        - appID: orders
          appDirPath: ./app
          containerImage: orders:1.0
        """, components=SECRET_COMPONENTS)  # fmt: skip
    environ = {"KAFKA_BROKERS": "kafka.kafka:9092", "KAFKA_PASSWORD": "s3cret-value"}
    rendered = render(load_template(template), environ=environ)
    by_name = {m.name: m.text for m in rendered.manifests}
    assert sorted(by_name) == ["c.yaml", "deployment.yaml", "secretstore-kafka-secrets.yaml"]
    store = yaml.safe_load(by_name["secretstore-kafka-secrets.yaml"])
    assert store["metadata"]["name"] == "kafka-secrets"
    assert store["spec"]["type"] == "secretstores.kubernetes" and store["scopes"] == ["orders"]
    # The local store is gone from the cluster's copy; the binding is there unchanged.
    (binding,) = list(yaml.safe_load_all(by_name["c.yaml"]))
    assert binding["metadata"]["name"] == "sample-topic"
    annotations = yaml.safe_load(by_name["deployment.yaml"])["spec"]["template"]["metadata"][
        "annotations"
    ]
    assert annotations["dapr.io/env"] == "KAFKA_BROKERS=kafka.kafka:9092"
    everything = "".join(by_name.values()) + "".join(map(str, rendered.findings))
    assert "s3cret-value" not in everything
    assert any("envRef KAFKA_PASSWORD looks like a credential" in str(f) for f in rendered.findings)
    assert rendered.secrets == [
        "kubectl create secret generic kafka-sasl --namespace default --from-literal=user=<value>"
    ]


def test_an_app_without_an_image_is_refused_at_its_line(tmp_path: Path, cli: typer.Typer) -> None:
    template = _template(tmp_path, """\
        - appID: orders
          appDirPath: ./app
        """, components=CRON)  # fmt: skip
    result = CliRunner().invoke(cli, ["run", "-f", str(template), "-k", "--render-only"])
    assert result.exit_code == 1
    assert f"{template}:5: app orders: containerImage is required" in result.output
    assert not (tmp_path / "app" / ".dapr").exists()


def _fake_kubectl(folder: Path, context_ok: bool = True) -> Path:
    """A kubectl that records its arguments: the unit under test is the order of the calls."""
    folder.mkdir()
    script = folder / "kubectl"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {folder / "calls"}\n'
        + (
            'if [ "$1" = config ]; then echo kind-test; fi\n'
            if context_ok
            else 'if [ "$1" = config ]; then exit 1; fi\n'
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


def test_without_kubectl_one_clear_line(
    tmp_path: Path, cli: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _template(tmp_path, "- {appID: orders, appDirPath: ./app, containerImage: o:1}\n",
                         components=CRON)  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = CliRunner().invoke(cli, ["run", "-f", str(template), "-k"])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "❌  kubectl is not on PATH: install it and point it at your cluster, or add "
        "--render-only to only write the manifests"
    ]
    bin_dir = _fake_kubectl(tmp_path / "bin", context_ok=False)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    result = CliRunner().invoke(cli, ["run", "-f", str(template), "-k"])
    assert result.exit_code != 0 and "kubectl has no current context" in result.output


def test_apply_shared_files_first_then_service_then_deployment(
    tmp_path: Path, cli: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = _template(tmp_path, """\
        - {appID: orders, appDirPath: ./app, appPort: 3000, containerImage: o:1,
           createService: true}
        """, components=CRON)  # fmt: skip
    bin_dir = _fake_kubectl(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    result = CliRunner().invoke(cli, ["run", "-f", str(template), "-k"])
    assert result.exit_code == 0, result.output
    calls = (bin_dir / "calls").read_text().splitlines()
    deploy = tmp_path / "app" / ".dapr" / "deploy"
    assert calls == [
        "config current-context",
        f"apply --namespace default -f {tmp_path / '.dapr' / 'deploy' / 'c.yaml'}",
        f"apply --namespace default -f {deploy / 'service.yaml'}",
        f"apply --namespace default -f {deploy / 'deployment.yaml'}",
    ]

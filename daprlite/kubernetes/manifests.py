"""The Deployment and Service `dapr run -f -k` writes for one run-template app, with the gaps of
dapr CLI 1.18 fixed: log level and app protocol annotations, a fixed metrics port (the
injector's 9090, not a free port of this machine), no empty socket annotation, sorted env, and
`IfNotPresent` so images loaded into kind or minikube start (../shared/reference/kubernetes.md
§1.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from daprlite.multiapp.template import TemplateApp

NAMESPACE = "default"  # `dapr run -f -k` puts every app there
METRICS_PORT = 9090  # the injector's default
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
DEFAULT_PULL_POLICY = "IfNotPresent"
# Template keys (the dapr CLI's SharedRunConfig) → the injector's annotation for each.
_ANNOTATED = {
    "enableApiLogging": "dapr.io/enable-api-logging",
    "enableAppHealthCheck": "dapr.io/enable-app-health-check",
    "appHealthCheckPath": "dapr.io/app-health-check-path",
    "appHealthProbeInterval": "dapr.io/app-health-probe-interval",
    "appHealthProbeTimeout": "dapr.io/app-health-probe-timeout",
    "appHealthThreshold": "dapr.io/app-health-threshold",
    "appMaxConcurrency": "dapr.io/app-max-concurrency",
    "maxBodySize": "dapr.io/max-body-size",
    "readBufferSize": "dapr.io/read-buffer-size",
    "enableProfiling": "dapr.io/enable-profiling",
    "apiListenAddresses": "dapr.io/sidecar-listen-addresses",
    "unixDomainSocket": "dapr.io/unix-domain-socket-path",
}


def deployment(
    app: TemplateApp, *, image: str, pull_policy: str, config_name: str | None,
    dapr_env: Mapping[str, str],
) -> dict[str, Any]:  # fmt: skip
    """The Deployment: one replica; the Dapr annotations on the pod template (the only place
    the injector reads them)."""
    config = app.config
    labels = {"app": config.app_id}
    container: dict[str, Any] = {
        "name": config.app_id,
        "image": image,
        "imagePullPolicy": pull_policy,
        "env": [{"name": k, "value": v} for k, v in sorted(_app_env(app).items())],
    }
    if config.app_port:
        container["ports"] = [{"containerPort": config.app_port}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": config.app_id, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": pod_annotations(app, config_name, dapr_env),
                },
                "spec": {"containers": [container]},
            },
        },
    }


def service(app: TemplateApp) -> dict[str, Any]:
    """`createService: true`: as the CLI writes it, a LoadBalancer on port 80 to the app port."""
    config = app.config
    port: dict[str, Any] = {"protocol": "TCP", "port": 80}
    if config.app_port:
        port["targetPort"] = config.app_port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": config.app_id,
            "namespace": NAMESPACE,
            "labels": {"app": config.app_id},
        },
        "spec": {"type": "LoadBalancer", "selector": {"app": config.app_id}, "ports": [port]},
    }


def pod_annotations(
    app: TemplateApp, config_name: str | None, dapr_env: Mapping[str, str]
) -> dict[str, str]:
    config = app.config
    found = {"dapr.io/enabled": "true", "dapr.io/app-id": config.app_id}
    if config.app_port:
        found["dapr.io/app-port"] = str(config.app_port)
    found["dapr.io/app-protocol"] = config.app_protocol
    found["dapr.io/log-level"] = config.log_level
    if config_name:
        found["dapr.io/config"] = config_name
    if config.serves_metrics:
        found["dapr.io/metrics-port"] = str(config.metrics_port or METRICS_PORT)
    else:
        found["dapr.io/enable-metrics"] = "false"
    if config.app_channel_address != "127.0.0.1":
        found["dapr.io/app-channel-address"] = config.app_channel_address
    for key, annotation in _ANNOTATED.items():
        value = app.other_keys.get(key)
        if value is not None and value != "":
            found[annotation] = _text(value)
    if dapr_env:
        # The injector gives these to daprd and allows exactly these names for envRef.
        found["dapr.io/env"] = ",".join(f"{k}={v}" for k, v in sorted(dapr_env.items()))
    return found


def _app_env(app: TemplateApp) -> dict[str, str]:
    """What `dapr run` gives the app locally; the injector sets only DAPR_HTTP_PORT,
    DAPR_GRPC_PORT and APP_PROTOCOL, so the rest is written here as the CLI does."""
    config = app.config
    env = {"APP_ID": config.app_id}
    if config.app_port:
        env["APP_PORT"] = str(config.app_port)
    if config.serves_metrics:
        env["DAPR_METRICS_PORT"] = str(config.metrics_port or METRICS_PORT)
    if config.app_channel_address != "127.0.0.1":
        env["APP_CHANNEL_ADDRESS"] = config.app_channel_address
    return env | dict(config.env)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)

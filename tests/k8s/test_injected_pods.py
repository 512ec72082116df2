"""The Pods Dapr's injector would make of each shipped Deployment pass a real API server's
dry-run. The patch comes from the injector's own code (tools/dapr-inject, github.com/dapr/dapr as
a library); only the webhook around it is left out."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.tls_certs import Authority
from tests.support.go_tools import REPO, cached_binary
from tests.support.kube_api import KubeAPI, documents

DEPLOYMENTS = sorted(
    (path, document)
    for path in REPO.glob("quickstart/deploy/*.yaml")
    for document in documents(path.read_text())
    if yaml.safe_load(document).get("kind") == "Deployment"
)

# A Deployment's YAML in; the exit code, the patched Pod (None on refusal) and stderr out.
Injector = Callable[[str], tuple[int, dict[str, Any] | None, str]]


@pytest.fixture(scope="session")
def inject(tmp_path_factory: pytest.TempPathFactory) -> Injector:
    """Runs dapr-inject on a Deployment's YAML: (exit code, patched Pod or None, stderr)."""
    binary = cached_binary("dapr-inject", "github.com/dapr/dapr", "DAPRLITE_DAPR_INJECT")
    # What Sentry would hand out as the trust bundle; only its shape matters to the Pod.
    anchors = tmp_path_factory.mktemp("dapr-inject") / "trust-anchors.pem"
    anchors.write_text(Authority.create("daprlite-test-trust-anchor").cert)

    def run(deployment: str) -> tuple[int, dict[str, Any] | None, str]:
        done = subprocess.run(
            [str(binary), "-trust-anchors", str(anchors)],
            input=deployment,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        pod = json.loads(done.stdout) if done.returncode == 0 else None
        return done.returncode, pod, done.stderr.strip()

    return run


def daprd(pod: dict[str, Any]) -> dict[str, Any]:
    spec = pod["spec"]
    containers: list[dict[str, Any]] = spec["containers"] + spec.get("initContainers", [])
    [container] = [c for c in containers if c["name"] == "daprd"]
    return container


def test_quickstart_ships_deployments() -> None:
    assert DEPLOYMENTS, "quickstart/deploy/ has no Deployment"


@pytest.mark.parametrize(
    ("manifest", "deployment"), DEPLOYMENTS, ids=[str(p.relative_to(REPO)) for p, _ in DEPLOYMENTS]
)
@pytest.mark.parametrize("native_sidecar", [False, True], ids=["container", "native-sidecar"])
def test_injected_pod_passes_dry_run(
    kube_apiserver: KubeAPI, inject: Injector, manifest: Path, deployment: str, native_sidecar: bool
) -> None:
    source = yaml.safe_load(deployment)
    annotations = source["spec"]["template"]["metadata"]["annotations"]
    if native_sidecar:
        annotations["dapr.io/enable-native-sidecar"] = "true"
    code, pod, stderr = inject(yaml.safe_dump(source))
    assert code == 0 and pod is not None, f"{manifest}: the injector refused it: {stderr}"
    sidecar = daprd(pod)
    args = sidecar["args"]
    assert args[args.index("--app-id") + 1] == annotations["dapr.io/app-id"]
    if native_sidecar:
        assert sidecar in pod["spec"]["initContainers"] and sidecar["restartPolicy"] == "Always"
    verdict = kube_apiserver.dry_run(json.dumps(pod))
    assert verdict.accepted, f"{manifest}: the injected Pod is refused: {verdict.message}"
    assert not verdict.warnings, f"{manifest}: the injected Pod warns: {verdict.warnings}"


def test_injector_refuses_an_app_id_that_is_no_dns_label(inject: Injector) -> None:
    [(_, deployment), *_] = DEPLOYMENTS
    source = yaml.safe_load(deployment)
    source["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"] = "Bindings_NodeApp"
    code, pod, stderr = inject(yaml.safe_dump(source))
    assert code == 1 and pod is None
    assert "invalid app id (input: 'Bindings_NodeApp', service: 'Bindings_NodeApp-dapr')" in stderr
    assert "a lowercase RFC 1123 label must consist of" in stderr

"""Every manifest and component the project ships passes a real API server's dry-run, with
Dapr's CRDs installed and strict field validation: what `kubectl apply` would accept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.go_tools import REPO
from tests.support.kube_api import KubeAPI, documents

# Each pattern must match something: an empty glob would otherwise pass without a check.
SHIPPED_PATTERNS = (
    "components/*.yaml",
    "quickstart/deploy/*.yaml",
    "quickstart/config.yaml",
    "quickstart/batch/components/*.yaml",
)
SHIPPED = sorted(path for pattern in SHIPPED_PATTERNS for path in REPO.glob(pattern))


@pytest.mark.parametrize("pattern", SHIPPED_PATTERNS)
def test_each_shipped_pattern_names_a_manifest(pattern: str) -> None:
    assert list(REPO.glob(pattern)), f"{pattern} matches no file"


@pytest.mark.parametrize("manifest", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_manifest_passes_dry_run(kube_apiserver: KubeAPI, manifest: Path) -> None:
    docs = documents(manifest.read_text())
    assert docs, f"{manifest} holds no Kubernetes object"
    for document in docs:
        verdict = kube_apiserver.dry_run(document)
        assert verdict.accepted, f"{manifest}: {verdict.kind} {verdict.name}: {verdict.message}"
        assert not verdict.warnings, f"{manifest}: {verdict.kind} {verdict.name} warns"


def test_dry_run_stores_nothing(kube_apiserver: KubeAPI) -> None:
    component = REPO / "components" / "kafka_bindings.yaml"
    [document] = documents(component.read_text())
    verdict = kube_apiserver.dry_run(document)
    assert verdict.accepted, verdict.message
    reply = kube_apiserver.get(
        f"/apis/dapr.io/v1alpha1/namespaces/default/components/{verdict.name}"
    )
    assert reply.status_code == 404, reply.text

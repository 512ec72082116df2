"""Kubernetes suite set-up: every test here is marked `k8s` (run by `make test-k8s`, not by
`make test`) and shares one real API server with Dapr's CRDs installed. What the server said of
each fixture is printed as one table at the end of the session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.go_tools import REPO
from tests.support.kube_api import KubeAPI, Verdict
from tests.support.kube_apiserver import running_kube_apiserver

DAPR_CRDS = ("components.yaml", "configuration.yaml", "resiliency.yaml")

_verdicts: list[tuple[str, Verdict]] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/k8s/" in str(item.fspath):
            item.add_marker(pytest.mark.k8s)


def dapr_crds_dir() -> Path:
    """$DAPR_CRDS_DIR, else shared/ beside the checkout, else the workplace's shared/: CI runs
    a fresh clone elsewhere, where the folder beside it may be missing."""
    candidates = [Path(p) for p in (os.environ.get("DAPR_CRDS_DIR"),) if p]
    candidates += [REPO.parent / "shared" / "k8s-crds", Path("/work/shared/k8s-crds")]
    for folder in candidates:
        if all((folder / name).is_file() for name in DAPR_CRDS):
            return folder
    raise FileNotFoundError(
        f"Dapr's CRDs ({', '.join(DAPR_CRDS)}) are in none of: "
        + ", ".join(str(c) for c in candidates)
        + "; set DAPR_CRDS_DIR"
    )


@pytest.fixture(scope="session")
def kube_apiserver() -> Iterator[KubeAPI]:
    """A real kube-apiserver on etcd, ready, with Component, Configuration and Resiliency
    served."""
    crds = dapr_crds_dir()
    with running_kube_apiserver() as endpoint:
        api = KubeAPI(endpoint)
        api.install_crds((crds / name).read_text() for name in DAPR_CRDS)
        yield api


@pytest.fixture
def record_verdict() -> Iterator[list[tuple[str, Verdict]]]:
    """Append (fixture, verdict) here; printed at the end even when an assertion fails."""
    rows: list[tuple[str, Verdict]] = []
    yield rows
    _verdicts.extend(rows)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _verdicts:
        return
    terminalreporter.section("kube-apiserver dry-run verdicts")
    for fixture, verdict in _verdicts:
        said = "accepted" if verdict.accepted else f"{verdict.status} {verdict.message}"
        if verdict.warnings:
            said += " (warnings: " + "; ".join(verdict.warnings) + ")"
        terminalreporter.write_line(f"{fixture}: {said}")

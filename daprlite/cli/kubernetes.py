"""The CLI edge of the Kubernetes features: `components validate --kubernetes` and
`run -f dapr.yaml -k [--render-only]` (findings printed errors first, then warnings)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from daprlite import console
from daprlite.cli.edge import reported
from daprlite.kubernetes.findings import Finding, errors, warnings
from daprlite.kubernetes.validate import check_paths
from daprlite.model.errors import ExitCode


def validate_for_kubernetes(paths: Sequence[Path]) -> int:
    with reported():
        checked = check_paths(paths)
    report(checked.findings)
    if errors(checked.findings):
        return ExitCode.ERROR
    count = len(checked.components)
    told = len(warnings(checked.findings))
    console.success(
        f"{count} component{_s(count)} accepted by a Kubernetes API server with Dapr's CRDs"
        + (f" ({told} warning{_s(told)} above)" if told else "")
    )
    return ExitCode.OK


def report(findings: Sequence[Finding]) -> None:
    """Errors first (what the API server refuses), then warnings (what breaks in a cluster)."""
    refused, risky = errors(findings), warnings(findings)
    if refused:
        console.failure(
            f"{len(refused)} error{_s(len(refused))}: a Kubernetes API server with Dapr's CRDs "
            "would refuse these:\n  " + "\n  ".join(map(str, refused))
        )
    if risky:
        console.warning(
            f"{len(risky)} warning{_s(len(risky))}: accepted, but in a cluster these break or "
            "behave differently:\n  " + "\n  ".join(map(str, risky))
        )


def _s(count: int) -> str:
    return "" if count == 1 else "s"

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


def run_on_kubernetes(run_file: Path, render_only: bool, manifests_dir: Path | None) -> int:
    """`run -f dapr.yaml -k`: render every manifest, then (without --render-only) apply them."""
    from daprlite.kubernetes.kubectl import apply, require_kubectl
    from daprlite.kubernetes.render import render
    from daprlite.multiapp.template import load_template

    with reported():
        template = load_template(run_file)
        kubectl = None if render_only else require_kubectl()
        rendered = render(template)
        report(rendered.findings)
        if errors(rendered.findings):
            return ExitCode.ERROR
        if manifests_dir is not None:
            files = rendered.flat_layout(manifests_dir.absolute())
        else:
            files = rendered.cli_layout(template)
        for path, text in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            console.info(f"wrote {_shown(path)}")
        for command in rendered.secrets:
            console.info(f"the components read this Secret; create it in the cluster: {command}")
        if kubectl is None:
            return ExitCode.OK
        # Shared objects first: a sidecar loads its components when its pod starts.
        # Both layouts keep the order of rendered.manifests.
        placed = list(zip(rendered.manifests, (path for path, _ in files), strict=True))
        shared = [path for manifest, path in placed if manifest.app is None]
        per_app = [path for manifest, path in placed if manifest.app is not None]
        apply(kubectl, shared + per_app)
        for app in template.apps:
            app_id = app.config.app_id
            console.info(f"{app_id}: kubectl logs -l app={app_id} -c {app_id} -f")
        console.info(f"stop with: dapr stop -f {run_file} -k (or kubectl delete -f each file)")
    return ExitCode.OK


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

"""Applying rendered manifests with the user's kubectl, as `dapr run -f -k` does: it must be on
PATH with a current context; the shared files go first, then each app's Service and Deployment."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from daprlite.kubernetes.manifests import NAMESPACE
from daprlite.model.errors import ConfigError, DaprliteError


class KubectlError(DaprliteError):
    pass


def require_kubectl() -> str:
    """kubectl's path, or a ConfigError saying in one line what is missing."""
    found = shutil.which("kubectl")
    if found is None:
        raise ConfigError(
            "kubectl is not on PATH: install it and point it at your cluster, or add "
            "--render-only to only write the manifests"
        )
    context = subprocess.run(
        [found, "config", "current-context"], capture_output=True, text=True, check=False
    )
    if context.returncode != 0 or not context.stdout.strip():
        raise ConfigError(
            "kubectl has no current context (kubectl config current-context): point it at "
            "your cluster, or add --render-only to only write the manifests"
        )
    return found


def apply(kubectl: str, files: Sequence[Path]) -> None:
    """`kubectl apply -f` each file in order; its own output goes to the terminal."""
    for file in files:
        done = subprocess.run(
            [kubectl, "apply", "--namespace", NAMESPACE, "-f", str(file)], check=False
        )
        if done.returncode != 0:
            raise KubectlError(f"kubectl apply -f {file} failed (exit code {done.returncode})")

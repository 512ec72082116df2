"""`daprlite components validate --kubernetes` reaches the real API server's verdict on every
fixture: it fails on exactly the ones the server refuses, and names what the server names."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.k8s.fixture_files import ACCEPTED, REJECTED, expected_fragment, fixture_id
from tests.support.go_tools import REPO
from tests.support.kube_api import KubeAPI, documents

OPTION = "--kubernetes"
COMMAND = ("components", "validate")


def daprlite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daprlite", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
        # Wide and plain, so a message is never wrapped or coloured apart.
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


@cache
def option_missing() -> str:
    """Why the comparison cannot run yet, or "" once `components validate` knows the option."""
    help_text = daprlite(*COMMAND, "--help").stdout
    if OPTION in help_text:
        return ""
    return f"`daprlite {' '.join(COMMAND)} {OPTION}` does not exist yet (not in its --help)"


@pytest.mark.parametrize("fixture", REJECTED + ACCEPTED, ids=fixture_id)
def test_validate_kubernetes_agrees_with_the_server(kube_apiserver: KubeAPI, fixture: Path) -> None:
    if reason := option_missing():
        pytest.skip(reason)
    server_refuses = any(
        not kube_apiserver.dry_run(document).accepted for document in documents(fixture.read_text())
    )
    result = daprlite(*COMMAND, OPTION, "--components-path", str(fixture))
    said = result.stdout + result.stderr
    assert (result.returncode != 0) == server_refuses, (
        f"{fixture}: the server {'refuses' if server_refuses else 'accepts'} it, "
        f"daprlite exited {result.returncode}:\n{said}"
    )
    if server_refuses:
        fragment = expected_fragment(fixture)
        assert fragment in said, f"{fixture}: {fragment!r} not in daprlite's report:\n{said}"

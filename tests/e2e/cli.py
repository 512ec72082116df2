"""Run a one-shot `daprlite` command (list, stop, binding invoke, ...) as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.wait import wait_until


def daprlite(*args: str, home: Path, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daprlite", *args],
        env=os.environ | {"DAPRLITE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def listed(home: Path) -> list[dict[str, Any]]:
    done = daprlite("list", "-o", "json", home=home)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def wait_listed(home: Path, app_ids: set[str], timeout: float = 30.0) -> list[dict[str, Any]]:
    """Wait until `daprlite list` shows exactly these app ids."""
    last: list[dict[str, Any]] = []

    def shown() -> list[dict[str, Any]] | None:
        last[:] = listed(home)
        return list(last) if {row["appId"] for row in last} == app_ids else None

    return wait_until(
        shown,
        lambda: f"daprlite list to show {sorted(app_ids)}; it shows {last}",
        timeout=timeout,
        interval=0.1,
    )

"""`daprlite dashboard` as typed: the URL line, a busy port as one clear line (no traceback),
Ctrl-C stopping it cleanly, and the API token sent to sidecars but never shown."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import requests

from tests.dashboard.harness import DashboardProcess
from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.wait import wait_until


def test_prints_its_url_and_stops_on_ctrl_c(tmp_path) -> None:
    dashboard = DashboardProcess({"DAPRLITE_HOME": str(tmp_path)}, "-p", "0")
    try:
        url = dashboard.url()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert requests.get(url + "/api/apps", timeout=10).json()["apps"] == []
    finally:
        code = dashboard.stop()
    assert code == 0, "\n".join(dashboard.lines)
    assert not any("Traceback" in line for line in dashboard.lines)


def test_a_busy_port_is_one_clear_line(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "daprlite", "dashboard", "--port", str(port)],
            env={"DAPRLITE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"❌  port {port} on 127.0.0.1 is already in use: choose another with --port "
        "(--port 0 picks a free one)"
    ]


def test_the_api_token_is_sent_and_never_shown(tmp_path) -> None:
    token = "tok-" + "7" * 24
    home = {"DAPRLITE_HOME": str(tmp_path / "home")}
    (tmp_path / "components").mkdir()
    run = DaprliteRun(
        ["--app-id", "guarded", "--components-path", str(tmp_path / "components")],
        cwd=tmp_path,
        env=home | {"DAPR_API_TOKEN": token},
    )
    with_token = without = None
    try:
        run.wait_for(re.escape(READY_MARK), timeout=60)
        with_token = DashboardProcess(home | {"DAPR_API_TOKEN": token}, "-p", "0")
        without = DashboardProcess(home, "-p", "0")
        urls = with_token.url(), without.url()

        def status(url: str) -> str | None:
            answer = requests.get(url + "/api/apps", timeout=10)
            assert token not in answer.text
            apps = answer.json()["apps"]
            return apps[0]["status"] if apps else None

        assert wait_until(lambda: status(urls[0]), "the guarded app listed") == "running"
        # Without the token the sidecar refuses its metadata: shown, not broken.
        assert wait_until(lambda: status(urls[1]), "the app listed") == "metadata unreachable"
        for path in ("/api/bindings", "/api/partitions", "/api/traces", "/"):
            assert token not in requests.get(urls[0] + path, timeout=10).text
    finally:
        for dashboard in (with_token, without):
            if dashboard is not None:
                dashboard.stop()
        run.stop()
    assert not any(token in line for d in (with_token, without) if d for line in d.lines)

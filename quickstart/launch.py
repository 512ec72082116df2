"""Run the seed tutorial locally: the Node.js consumer, then the Python producer, each under
`daprlite run`, with both outputs in one terminal. Ctrl-C (or QUICKSTART_SECONDS) stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPONENTS = HERE.parent / "components"
READY_MARK = "You're up and running!"
READY_TIMEOUT = 120.0


def daprlite_run(app_id: str, app: list[str], app_port: int | None) -> list[str]:
    command = [sys.executable, "-m", "daprlite", "run", "--app-id", app_id]
    if app_port:
        command += ["--app-port", str(app_port)]
    return [*command, "--components-path", str(COMPONENTS), "--", *app]


class Launched:
    """One `daprlite run` child whose lines are echoed with its app id in front."""

    def __init__(self, app_id: str, app_dir: str, command: list[str]) -> None:
        self.app_id = app_id
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            command,
            cwd=HERE / app_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches this launcher only; it stops both runs
        )
        threading.Thread(target=self._echo, daemon=True).start()

    def _echo(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            print(f"[{self.app_id}] {line}", end="", flush=True)
            if READY_MARK in line:
                self.ready.set()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main() -> int:
    seconds = float(os.environ.get("QUICKSTART_SECONDS", "0") or 0)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    node = Launched(
        "bindings-nodeapp",
        "nodeapp",
        daprlite_run("bindings-nodeapp", ["node", "app.js"], 3000),
    )
    runs = [node]
    try:
        if not _wait(node, stop):
            print("the node app's sidecar did not come up; see its output above", file=sys.stderr)
            return 1
        python = Launched(
            "bindings-pythonapp",
            "pythonapp",
            daprlite_run("bindings-pythonapp", [sys.executable, "app.py"], None),
        )
        runs.insert(0, python)  # stop the producer first
        stop.wait(seconds if seconds > 0 else None)
        return 0
    finally:
        for launched in runs:
            launched.stop()


def _wait(launched: Launched, stop: threading.Event) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and not stop.is_set():
        if launched.ready.wait(0.2):
            return True
        if launched.process.poll() is not None:
            return False
    return False


if __name__ == "__main__":
    sys.exit(main())

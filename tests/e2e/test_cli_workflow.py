"""The local workflow around `daprlite run`, as a user drives it: Ctrl-C on a terminal, list and
stop a single-app run, invoke a binding without an app, and the one-line start-up errors."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import socket
import sys
import time
from pathlib import Path

import psutil

from tests.e2e.cli import daprlite, wait_listed
from tests.e2e.kafka_io import read_records
from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.components import write_component
from tests.support.ports import free_port

TICKER = "import time\nfor i in range(600):\n    print('tick', i, flush=True); time.sleep(0.2)"
TEMPLATE = """\
version: 1
common:
  resourcesPath: ./components
apps:
  - appID: web
    appDirPath: ./web
    appPort: {port}
    command: ["{python}", "-u", "-m", "http.server", "--bind", "127.0.0.1", "{port}"]
  - appID: ticker
    appDirPath: ./ticker
    command: ["{python}", "-c", "{ticker}"]
"""


class Terminal:
    """`daprlite run` on a pseudo-terminal, as in an interactive shell."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.output = b""
        pid, self.fd = pty.fork()
        if pid == 0:  # the child: becomes daprlite, the pty its controlling terminal
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "daprlite", *args], env)
        self.pid = pid

    def read_until(self, marker: bytes, timeout: float) -> bool:
        """Read until `marker` shows up (True) or the terminal closes / time runs out."""
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the other side is gone
                return False
            if not chunk:
                return False
            self.output += chunk
        return True

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read_until(b"\x00never\x00", min(0.2, deadline - time.monotonic()))
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError(f"daprlite did not exit; output:\n{self.text}")

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


def test_ctrl_c_on_a_terminal_stops_a_multi_app_run(tmp_path, unused_tcp_port) -> None:
    for folder in ("components", "web", "ticker"):
        (tmp_path / folder).mkdir()
    template = tmp_path / "dapr.yaml"
    ticker = TICKER.replace("\n", "\\n")
    template.write_text(TEMPLATE.format(port=unused_tcp_port, python=sys.executable, ticker=ticker))
    home = tmp_path / "home"
    env = dict(os.environ, DAPRLITE_HOME=str(home), TERM="xterm")
    env.pop("NO_COLOR", None)
    term = Terminal(["run", "-f", str(template)], tmp_path, env)
    try:
        assert term.read_until(b"ticker ==\x1b[0m tick 1\r", 60), term.text
        rows = wait_listed(home, {"web", "ticker"})
        apps = [psutil.Process(row["appPid"]) for row in rows]
        started = time.monotonic()
        os.write(term.fd, b"\x03")  # Ctrl-C, as typed
        code = term.wait(timeout=20)
    finally:
        if psutil.pid_exists(term.pid):
            os.kill(term.pid, signal.SIGKILL)
    assert code == 130, term.text
    assert time.monotonic() - started < 10, "the run took too long to stop"
    assert "Received signal to stop Dapr and app processes" in term.text
    # On a terminal the app prefix is coloured, as the dapr CLI colours it.
    assert "\x1b[34m== APP - ticker ==\x1b[0m tick" in term.text
    for app in apps:
        assert not app.is_running() or app.status() == psutil.STATUS_ZOMBIE
    assert json.loads(daprlite("list", "-o", "json", home=home).stdout) == []


def test_single_app_run_is_listed_and_stopped_by_app_id(tmp_path) -> None:
    (tmp_path / "components").mkdir()
    home = tmp_path / "home"
    run = DaprliteRun(
        ["--app-id", "solo", "--components-path", str(tmp_path / "components"),
         "--", sys.executable, "-c", TICKER],
        cwd=tmp_path,
        env={"DAPRLITE_HOME": str(home)},
    )  # fmt: skip
    try:
        run.wait_for(re.escape(READY_MARK), timeout=30)
        (row,) = wait_listed(home, {"solo"})
        assert row["cliPid"] == run.process.pid
        assert row["runTemplatePath"] == ""
        stopped = daprlite("stop", "solo", home=home)  # the positional form
        assert stopped.returncode == 0, stopped.stderr
        assert "✅  app stopped successfully: solo" in stopped.stdout
        # SIGTERM: the sidecar shut down in order, the app was stopped, the run file is gone.
        assert run.wait_exit(timeout=10) == 143
        assert "Dapr sidecar stopped." in run.output
    finally:
        run.stop()
    assert list((home / "runs").iterdir()) == []


def test_binding_invoke_through_a_short_lived_sidecar(tmp_path, kafka_broker, kafka_topic) -> None:
    topic = kafka_topic()
    components = write_component(tmp_path / "components", "orders", kafka_broker.bootstrap, topic)
    sent = daprlite("binding", "invoke", "orders", "--data", '{"orderId": 7}',
                    "--metadata", "partitionKey=order-7", "--components-path", str(components),
                    home=tmp_path)  # fmt: skip
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "✅  binding orders invoked (create): HTTP 204" in sent.stdout
    (record,) = read_records(kafka_broker.bootstrap, topic, 1)
    assert json.loads(record.value()) == {"orderId": 7}
    assert record.key() == b"order-7"

    missing = daprlite("binding", "invoke", "nope", "--data", "x",
                       "--components-path", str(components), home=tmp_path)  # fmt: skip
    assert missing.returncode == 1
    assert "HTTP 500" in missing.stderr and '"errorCode":"ERR_INVOKE_OUTPUT_BINDING"' in (
        missing.stderr
    )
    no_app = daprlite("binding", "invoke", "orders", "--app-id", "ghost", home=tmp_path)
    assert no_app.returncode == 1
    assert "couldn't find app id ghost" in no_app.stderr


LOCALSTORAGE = """\
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: files
spec:
  type: bindings.localstorage
  version: v1
  metadata:
    - name: rootPath
      value: {root}
"""


def test_binding_invoke_runs_every_operation_of_a_type(tmp_path) -> None:
    root = tmp_path / "files"
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "files.yaml").write_text(LOCALSTORAGE.format(root=root))

    def invoke(*args: str) -> str:
        components = ("--components-path", str(tmp_path / "components"))
        done = daprlite("binding", "invoke", "files", *args, *components, home=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    created = invoke("--operation", "create", "--data", '{"orderId": 7}', "-m", "fileName=o.json")
    assert "✅  binding files invoked (create): HTTP 200" in created
    assert (root / "o.json").read_text() == '{"orderId":7}'  # Go-encoded, as over HTTP
    assert '{"orderId":7}' in invoke("--operation", "get", "-m", "fileName=o.json")
    assert str(root / "o.json") in invoke("--operation", "list")
    assert "HTTP 204" in invoke("--operation", "delete", "-m", "fileName=o.json")
    assert not (root / "o.json").exists()


def _failed_run(tmp_path: Path, *args: str) -> tuple[int, str]:
    (tmp_path / "components").mkdir(exist_ok=True)
    run = DaprliteRun(
        ["--app-id", "oops", "--components-path", str(tmp_path / "components"), *args],
        cwd=tmp_path,
        env={"DAPRLITE_HOME": str(tmp_path / "home")},
    )
    code = run.wait_exit(timeout=30)
    failures = [line for line in run.lines if line.startswith("❌")]
    assert len(failures) == 1, run.output
    assert "Traceback" not in run.output
    return code, failures[0]


def test_a_busy_port_is_one_line_with_the_fix(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, line = _failed_run(tmp_path, "--dapr-http-port", str(port), "--", "true")
    assert code == 2
    assert line == (
        f"❌  port {port} is already in use on 127.0.0.1; pick another port or leave the flag "
        "out to get a free one"
    )


def test_a_missing_app_command_exits_127(tmp_path) -> None:
    code, line = _failed_run(tmp_path, "--", "no-such-app-3f9c")
    assert code == 127
    assert line == "❌  app command 'no-such-app-3f9c' not found: is it installed and on PATH?"


def test_an_app_that_never_opens_its_port(tmp_path, unused_tcp_port) -> None:
    code, line = _failed_run(
        tmp_path, "--app-port", str(unused_tcp_port), "--app-startup-timeout", "1",
        "--", sys.executable, "-c", "import time; time.sleep(60)",
    )  # fmt: skip
    assert code == 1
    assert line == (
        f"❌  the app did not listen on port {unused_tcp_port} within 1s; check that --app-port "
        "is the port your app opens, or raise --app-startup-timeout"
    )


# Accepts connections and reads, but never answers: a port that is not an HTTP server.
SILENT_APP = """
import socket, sys, time
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
held = []
while True:
    conn, _ = server.accept()
    held.append(conn)
"""


def test_an_app_that_never_answers_the_binding_probe(tmp_path, kafka_broker, kafka_topic) -> None:
    write_component(tmp_path / "components", "orders", kafka_broker.bootstrap, kafka_topic())
    port = free_port()
    code, line = _failed_run(
        tmp_path, "--app-port", str(port), "--", sys.executable, "-c", SILENT_APP, str(port)
    )
    assert code == 1
    assert line == (
        f"❌  the app accepted a connection on port {port} but did not answer OPTIONS /orders "
        "within 3s; is --app-port the port of its HTTP server (or is it a gRPC app: "
        "--app-protocol grpc)?"
    )


def test_a_spinner_turns_on_a_terminal_while_the_app_port_is_awaited(tmp_path) -> None:
    (tmp_path / "components").mkdir()
    port = free_port()
    # Prints a line, then opens its port only two seconds later.
    app = (
        "import socket, time\nprint('booting', flush=True)\ntime.sleep(2)\n"
        f"s = socket.create_server(('127.0.0.1', {port}))\nprint('listening', flush=True)\n"
        "time.sleep(120)"
    )
    env = dict(os.environ, DAPRLITE_HOME=str(tmp_path / "home"), TERM="xterm")
    env.pop("NO_COLOR", None)
    args = [
        "run",
        "--app-id",
        "slow",
        "--app-port",
        str(port),
        "--components-path",
        str(tmp_path / "components"),
        "--",
        sys.executable,
        "-c",
        app,
    ]
    term = Terminal(args, tmp_path, env)
    try:
        assert term.read_until(READY_MARK.encode(), 60), term.text
        os.write(term.fd, b"\x03")
        code = term.wait(timeout=20)
    finally:
        if psutil.pid_exists(term.pid):
            os.kill(term.pid, signal.SIGKILL)
    assert code == 130, term.text
    assert f"Waiting for the app to listen on port {port}" in term.text
    # The app's lines still arrive whole, printed above the spinner.
    assert "== APP ==\x1b[0m booting\r\n" in term.text
    assert "== APP ==\x1b[0m listening\r\n" in term.text


def test_a_multi_app_run_ends_when_its_last_app_ends(tmp_path) -> None:
    (tmp_path / "components").mkdir()
    (tmp_path / "once").mkdir()
    template = tmp_path / "dapr.yaml"
    template.write_text(
        "version: 1\ncommon:\n  resourcesPath: ./components\napps:\n"
        f'  - appID: once\n    appDirPath: ./once\n    command: ["{sys.executable}", "-c", '
        "\"print('done')\"]\n"
    )
    result = daprlite("run", "-f", str(template), home=tmp_path / "home", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "done" in result.stdout


def test_a_second_ctrl_c_also_ends_an_app_that_ignores_sigterm(tmp_path) -> None:
    (tmp_path / "components").mkdir()
    stubborn = (
        "import os, signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('pid', os.getpid(), flush=True)\ntime.sleep(120)"
    )
    run = DaprliteRun(
        ["--app-id", "stubborn", "--components-path", str(tmp_path / "components"),
         "--", sys.executable, "-c", stubborn],
        cwd=tmp_path,
        env={"DAPRLITE_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    [line] = run.wait_for(r"== APP == pid \d+", timeout=30)
    app = psutil.Process(int(line.rsplit(" ", 1)[1]))
    run.wait_for(re.escape(READY_MARK), timeout=30)
    run.process.send_signal(signal.SIGINT)
    run.wait_for("terminated signal received", timeout=10)
    run.process.send_signal(signal.SIGINT)  # the second one: now, not after the grace period
    assert run.wait_exit(timeout=10) == 130
    app.wait(10)  # raises psutil.TimeoutExpired if the app outlived daprlite

"""A real RabbitMQ for the tests: the system's rabbitmq-server in a temp folder on free ports.

Every path the server writes (database, logs, cookie, config) is in the folder, the node name
is unique, and the Erlang port mapper (epmd) it needs runs on a private port, so the server
clashes neither with a system RabbitMQ nor with another test session's. `stop()` then `start()`
restarts it with its data (durable queues and persistent messages survive); `close()` stops
the server and its epmd and removes the folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.ports import free_ports

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
USER, PASSWORD = "test", "test-Pa55"  # the certification suite's user, a throw-away password
INSTALL_HINT = "rabbitmq-server was not found; install it with `apt-get install -y rabbitmq-server`"
_AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
_STOP_GRACE = 30.0


class RabbitNotInstalled(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class RabbitServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, user: str | None = None, password: str | None = None) -> str:
        return f"amqp://{user or self.user}:{password or self.password}@{self.host}:{self.port}"


class LocalRabbitMQ:
    def __init__(self) -> None:
        if not SERVER.is_file() or not shutil.which("epmd"):
            raise RabbitNotInstalled(INSTALL_HINT)
        self.root = Path(tempfile.mkdtemp(prefix="daprlite-rmq-"))
        self.port, self.dist_port, self.epmd_port = free_ports(3)
        self.node = f"daprlite-{uuid.uuid4().hex[:8]}@localhost"
        self.log_file = self.root / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._write_config()

    @property
    def server(self) -> RabbitServer:
        return RabbitServer("127.0.0.1", self.port, USER, PASSWORD)

    def _write_config(self) -> None:
        (self.root / "rabbitmq.conf").write_text(
            "\n".join(
                [
                    f"listeners.tcp.default = 127.0.0.1:{self.port}",
                    f"default_user = {USER}",
                    f"default_pass = {PASSWORD}",
                    "loopback_users = none",
                    # A test server on shared cores: no disk alarms from a nearly full /tmp.
                    "disk_free_limit.absolute = 1MB",
                    "log.file = server.log",
                    "log.console = false",
                ]
            )
            + "\n"
        )
        (self.root / "enabled_plugins").write_text("[].\n")

    def _env(self) -> dict[str, str]:
        root = str(self.root)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": root,  # the Erlang cookie goes here
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_MNESIA_BASE": f"{root}/mnesia",
            "RABBITMQ_LOG_BASE": root,
            "RABBITMQ_CONFIG_FILE": f"{root}/rabbitmq.conf",
            "RABBITMQ_ADVANCED_CONFIG_FILE": f"{root}/advanced.config",
            "RABBITMQ_ENABLED_PLUGINS_FILE": f"{root}/enabled_plugins",
            "RABBITMQ_CONF_ENV_FILE": f"{root}/rabbitmq-env.conf",
            "RABBITMQ_PID_FILE": f"{root}/server.pid",
        }

    def start(self, timeout: float = 90.0) -> RabbitServer:
        """Start the server (again) and wait until it speaks AMQP on its port."""
        assert self._process is None, "already running"
        with open(self.root / "stdout.log", "ab") as out:
            self._process = subprocess.Popen(
                [str(SERVER)],
                cwd=self.root,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stop() signals the whole group: script and beam
            )
        deadline = time.monotonic() + timeout
        while not self._speaks_amqp():
            if self._process.poll() is not None:
                self._process = None
                raise RuntimeError(f"rabbitmq-server exited early:\n{self._tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"rabbitmq-server not ready within {timeout:g}s:\n{self._tail()}"
                )
            time.sleep(0.2)
        return self.server

    def _speaks_amqp(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(_AMQP_HEADER)
                return sock.recv(1) == b"\x01"  # a method frame: Connection.Start
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a grace), keeping its data and epmd."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        # The script may end before the Erlang VM in its group: wait for the group to be gone.
        deadline = time.monotonic() + _STOP_GRACE
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            # epmd detached from the group when the VM started it: ask it to go.
            subprocess.run(
                ["epmd", "-kill"],
                env={**self._env()},
                capture_output=True,
                timeout=10,
                check=False,
            )
            shutil.rmtree(self.root, ignore_errors=True)

    def _tail(self) -> str:
        text = ""
        for name in ("stdout.log", "server.log"):
            with contextlib.suppress(OSError):
                text += (self.root / name).read_text(errors="replace")[-3000:]
        return text


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def running_rabbitmq() -> Iterator[LocalRabbitMQ]:
    """A started LocalRabbitMQ, always closed afterwards."""
    try:
        local = LocalRabbitMQ()
    except RabbitNotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        local.start()
        yield local
    finally:
        local.close()


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[RabbitServer]:
    """A running RabbitMQ for the whole session (user `test`); `rabbitmq_server.url()`."""
    with running_rabbitmq() as local:
        yield local.server

"""A real Mosquitto for the tests: the system's broker with a config file in a temp folder, on
free loopback ports, with persistent sessions; always stopped at the end.

Listeners: a plain anonymous one, a plain one that wants a password, and a TLS one that wants a
client certificate (from a throw-away CA). `stop()` and `start()` again keep the port and the
persisted sessions, so a test can take the broker away and bring it back.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.tls_certs import Authority
from tests.support.ports import free_ports

USERNAME = "dapr"
PASSWORD = "mqtt-Pa55word"  # a throw-away password for this throw-away broker
INSTALL_HINT = (
    "mosquitto was not found; install it with `apt-get install -y mosquitto` (Debian) or put "
    "it on PATH"
)
_START_ATTEMPTS = 3  # a free port can be taken between picking it and the broker binding it


@dataclass(frozen=True, slots=True)
class MosquittoServer:
    host: str
    port: int  # anonymous
    auth_port: int  # USERNAME / PASSWORD
    tls_port: int  # client certificate signed by `ca`
    ca: Authority = field(repr=False)
    log_file: Path

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"


def find_mosquitto() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(INSTALL_HINT, pytrace=False)


class LocalMosquitto:
    def __init__(self) -> None:
        self.binary = find_mosquitto()
        self.root = Path(tempfile.mkdtemp(prefix="daprlite-mosquitto-"))
        self.log_file = self.root / "mosquitto.log"
        self.ca = Authority.create("daprlite-test-mqtt-ca")
        self._process: subprocess.Popen[bytes] | None = None
        self.server: MosquittoServer | None = None
        self._write_secrets()

    def start(self, timeout: float = 30.0) -> MosquittoServer:
        """Start the broker: on new ports the first time, on the same ones after a stop."""
        for attempt in range(_START_ATTEMPTS):
            if self.server is None:
                port, auth_port, tls_port = free_ports(3)
                server = MosquittoServer(
                    "127.0.0.1", port, auth_port, tls_port, self.ca, self.log_file
                )
            else:
                server = self.server
            self._write_config(server)
            self._process = subprocess.Popen(
                [self.binary, "-c", str(self.root / "mosquitto.conf")],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_listening(server, timeout):
                self.server = server
                return server
            self._kill()
            if self.server is not None or attempt == _START_ATTEMPTS - 1:
                break
        raise RuntimeError(f"mosquitto did not start; its log:\n{self._log_text()[-4000:]}")

    def stop(self) -> None:
        """SIGTERM: Mosquitto writes its persistent sessions and queued messages out first."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _wait_listening(self, server: MosquittoServer, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False  # exited: a port taken, or a bad config
            if all(
                _accepts(server.host, p) for p in (server.port, server.auth_port, server.tls_port)
            ):
                return True
            time.sleep(0.05)
        return False

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(5)

    def _write_secrets(self) -> None:
        server = self.ca.server()
        (self.root / "ca.pem").write_text(self.ca.cert)
        (self.root / "server.pem").write_text(server.cert)
        (self.root / "server.key").write_text(server.key)
        os.chmod(self.root / "server.key", 0o600)
        passwords = self.root / "passwords"
        passwords.touch(mode=0o600)
        tool = shutil.which("mosquitto_passwd") or INSTALL_HINT
        subprocess.run(
            [tool, "-b", str(passwords), USERNAME, PASSWORD],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def _write_config(self, server: MosquittoServer) -> None:
        user = _current_user()
        root = self.root
        (root / "mosquitto.conf").write_text(
            f"""# written by tests/support/mosquitto.py
user {user}
pid_file {root}/mosquitto.pid
persistence true
persistence_location {root}/
log_dest file {self.log_file}
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
per_listener_settings true

listener {server.port} {server.host}
allow_anonymous true

listener {server.auth_port} {server.host}
allow_anonymous false
password_file {root}/passwords

listener {server.tls_port} {server.host}
allow_anonymous true
cafile {root}/ca.pem
certfile {root}/server.pem
keyfile {root}/server.key
require_certificate true
"""
        )

    def _log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_file.read_text(errors="replace")
        return ""


def _accepts(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def _current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


@contextlib.contextmanager
def running_mosquitto() -> Iterator[LocalMosquitto]:
    """A broker of the caller's own (which it may stop and start again), always removed."""
    local = LocalMosquitto()
    try:
        local.start()
        yield local
    finally:
        local.remove()


@pytest.fixture(scope="session")
def mosquitto_server() -> Iterator[MosquittoServer]:
    """A running Mosquitto for the whole session."""
    with running_mosquitto() as local:
        assert local.server is not None
        yield local.server

"""A real Redis for the tests: the system's redis-server in a temp folder on a free port.

By default nothing is saved to disk; the server answers on loopback only and is always stopped
at the end. `stop()` then `start()` again restarts it on the same port, for reconnect cases.
Optional: a password for the default user, ACL users, TLS (PEM files written in the folder),
and saving on shutdown so that data outlives a restart.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.wait import wait_until

INSTALL_HINT = (
    "redis-server was not found; install it with `apt-get install -y redis-server` (Debian) "
    "or put it on PATH"
)
_START_ATTEMPTS = 3  # a free port can be taken between picking it and the server binding it


class RedisNotInstalled(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """PEM text for the server's side of TLS; clients must show a certificate from `ca`."""

    ca_cert: str
    server_cert: str
    server_key: str


@dataclass(frozen=True, slots=True)
class RedisServer:
    host: str
    port: int
    password: str  # the default user's; "" when none
    log_file: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self, *args: str) -> str:
        """One command through redis-cli (the tests' own view of the server, not daprlite's)."""
        line = ["redis-cli", "-h", self.host, "-p", str(self.port), "--no-auth-warning"]
        if self.password:
            line += ["-a", self.password]
        done = subprocess.run(
            [*line, *args], capture_output=True, text=True, timeout=30, check=True
        )
        return done.stdout.rstrip("\n")


class LocalRedis:
    """One throw-away server. `start()` returns where it listens; `stop()` stops it, and
    `close()` stops it and removes its folder."""

    def __init__(
        self,
        password: str = "",
        users: tuple[str, ...] = (),
        tls: TLSFiles | None = None,
        persist: bool = False,
    ) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RedisNotInstalled(INSTALL_HINT)
        self.root = Path(tempfile.mkdtemp(prefix="daprlite-redis-"))
        self.log_file = self.root / "server.log"
        self.password = password
        self.users = users  # ACL lines, e.g. "alice on >pw ~* &* +@all"
        self.tls = tls
        self.persist = persist  # save to disk on shutdown, so data outlives a restart
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> RedisServer:
        """Start (or start again, on the same port once it has one)."""
        for attempt in range(_START_ATTEMPTS):
            port = self.port or free_port()
            self._write_config(port)
            self._process = subprocess.Popen(
                [self.binary or "redis-server", str(self.root / "redis.conf")],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            try:
                self._wait_serving(port, timeout)
            except AssertionError:
                self.stop()
                raise
            if not self._exited():
                self.port = port
                return RedisServer("127.0.0.1", port, self.password, self.log_file)
            if attempt == _START_ATTEMPTS - 1 or "Address already in use" not in self._log_tail():
                break
        raise RuntimeError(f"redis-server did not start; its log:\n{self._log_tail()}")

    def _wait_serving(self, port: int, timeout: float) -> None:
        wait_until(
            lambda: self._answers(port) or self._exited(),
            lambda: f"redis-server on port {port}; its log:\n{self._log_tail()}",
            timeout=timeout,
        )

    def _write_config(self, port: int) -> None:
        lines = [
            "bind 127.0.0.1",
            f"dir {self.root}",
            f"logfile {self.log_file}",
            "save 3600 1" if self.persist else 'save ""',
            "appendonly no",
            "daemonize no",
        ]
        if self.tls is None:
            lines.append(f"port {port}")
        else:
            for name, text in (
                ("ca.pem", self.tls.ca_cert),
                ("server.pem", self.tls.server_cert),
                ("server.key", self.tls.server_key),
            ):
                (self.root / name).write_text(text)
            lines += [
                "port 0",
                f"tls-port {port}",
                f"tls-cert-file {self.root / 'server.pem'}",
                f"tls-key-file {self.root / 'server.key'}",
                f"tls-ca-cert-file {self.root / 'ca.pem'}",
                "tls-auth-clients yes",
            ]
        if self.password:
            lines.append(f"requirepass {self.password}")
        lines += [f"user {line}" for line in self.users]
        (self.root / "redis.conf").write_text("\n".join(lines) + "\n")

    def _answers(self, port: int) -> bool:
        """The port accepts connections (a TLS server is not spoken to in clear text)."""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                if self.tls is not None:
                    return True
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
        except OSError:
            return False
        # +PONG, or -NOAUTH when a password is set: either way the server is serving.
        return reply.startswith((b"+PONG", b"-NOAUTH"))

    def _exited(self) -> bool:
        return self._process is not None and self._process.poll() is not None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_file.read_text(errors="replace")[-4000:]
        return ""


@contextlib.contextmanager
def local_redis(**options: object) -> Iterator[tuple[LocalRedis, RedisServer]]:
    """A server of its own for one test (a password, TLS, a restart): always closed after."""
    try:
        local = LocalRedis(**options)  # type: ignore[arg-type]
    except RedisNotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield local, local.start()
    finally:
        local.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A running Redis for the whole session, no password (tests use keys of their own)."""
    with local_redis() as (_, server):
        yield server

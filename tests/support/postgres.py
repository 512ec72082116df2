"""A real PostgreSQL for the tests: the system's initdb/pg_ctl in a temp folder on a free port.

PostgreSQL refuses to run as root, so under root the server runs as an unprivileged system user
(`postgres`, created if missing) through runuser. The server is always stopped at the end.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.ports import free_port

SERVER_USER = "postgres"  # the unprivileged OS account the server runs as under root
SUPERUSER = "postgres"  # the database superuser initdb creates
PASSWORD = "s3cret-Pa55"  # a throw-away password for this throw-away server
DATABASE = "dapr_test"  # the conformance suite's database name
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found; install them with "
    "`apt-get install -y postgresql` (Debian) or put their folder on PATH"
)
_START_ATTEMPTS = 3  # a free port can be taken between picking it and the server binding it


class PostgresNotInstalled(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """Where the running test server listens, and connection strings for it."""

    host: str
    port: int
    socket_dir: Path
    user: str
    password: str
    database: str
    log_file: Path

    def dsn(self, **overrides: str) -> str:
        """A keyword/value connection string (pgx and libpq syntax) for TCP on loopback."""
        fields = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "password": self.password,
            "database": self.database,
            **overrides,
        }
        return " ".join(f"{key}={value}" for key, value in fields.items())

    def url(self, database: str | None = None) -> str:
        credentials = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"postgres://{credentials}@{self.host}:{self.port}/{database or self.database}"


def find_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl: PATH first, then Debian's versioned folders."""
    initdb = shutil.which("initdb")
    candidates = [Path(os.path.realpath(initdb)).parent] if initdb else []
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresNotInstalled(INSTALL_HINT)


class LocalPostgres:
    """One throw-away cluster: `start()` returns a PostgresServer, `stop()` removes it all."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="daprlite-pg-"))
        self.data = self.root / "data"
        self.log_file = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        self._started = False

    def start(self, timeout: float = 60.0) -> PostgresServer:
        if self._as_root:
            _ensure_system_user(SERVER_USER)
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        password_file = self.root / "pwfile"
        password_file.write_text(PASSWORD + "\n")
        if self._as_root:
            os.chown(password_file, pwd.getpwnam(SERVER_USER).pw_uid, -1)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={password_file}",
            # Password checks on TCP and socket alike, so tests can prove a wrong one fails.
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        password_file.unlink()
        for attempt in range(_START_ATTEMPTS):
            # PostgreSQL cannot bind port 0 and report it: pick one; a race means a retry.
            port = free_port()
            try:
                self._pg_ctl_start(port, timeout)
                break
            except RuntimeError:
                if attempt == _START_ATTEMPTS - 1 or "could not bind" not in self._log_text():
                    raise RuntimeError(
                        f"PostgreSQL did not start; its log ({self.log_file}):\n"
                        + self._log_text()[-4000:]
                    ) from None
        self._started = True
        server = PostgresServer(
            host="127.0.0.1",
            port=port,
            socket_dir=self.root,
            user=SUPERUSER,
            password=PASSWORD,
            database=DATABASE,
            log_file=self.log_file,
        )
        self.psql(server, "postgres", f"CREATE DATABASE {DATABASE}")
        return server

    def _pg_ctl_start(self, port: int, timeout: float) -> None:
        options = " ".join(
            f"-c {setting}"
            for setting in (
                f"port={port}",
                "listen_addresses=127.0.0.1",
                f"unix_socket_directories={self.root}",
                # A test server: durability buys nothing here and costs the shared 2 cores.
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
                "max_connections=50",
                "timezone=UTC",
            )
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )

    def psql(self, server: PostgresServer, database: str, sql: str) -> str:
        """Run SQL through the socket with the system's psql; returns its unaligned output."""
        env = {**os.environ, "PGPASSWORD": server.password}
        completed = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-h",
                str(server.socket_dir),
                "-p",
                str(server.port),
                "-U",
                server.user,
                "-d",
                database,
                "-c",
                sql,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"psql failed: {completed.stderr.strip()}")
        return completed.stdout

    def stop(self) -> None:
        try:
            if self._started:
                # Immediate: nothing in a test cluster is worth a checkpoint.
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            self._started = False
            shutil.rmtree(self.root, ignore_errors=True)

    def _log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_file.read_text(errors="replace")
        return ""

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        # cwd: the server user may not be allowed into the caller's working folder.
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")


def _ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            [
                *("useradd", "--system", "--user-group", "--no-create-home"),
                *("--shell", "/bin/false", name),
            ],
            check=True,
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL for the whole session, with database `dapr_test`."""
    try:
        local = LocalPostgres()
    except PostgresNotInstalled as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield local.start()
    finally:
        local.stop()

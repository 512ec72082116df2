"""LocalBroker: start, stop, inspect and remove one local Kafka broker process.

The JVM runs in its own session so it outlives the `daprlite init` that started it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from daprlite.localkafka import config, distribution, state, storage
from daprlite.localkafka.diagnostics import with_log_tail
from daprlite.localkafka.listeners import scram_mechanisms
from daprlite.localkafka.ports import port_in_use
from daprlite.localkafka.readiness import Outcome, metadata_probe, wait_until_ready
from daprlite.localkafka.scram import ensure_scram_users
from daprlite.localkafka.settings import BrokerSettings
from daprlite.model.errors import BrokerError

Progress = Callable[[str], None]
Probe = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    running: bool
    pid: int | None
    host: str
    port: int
    controller_port: int
    version: str
    data_dir: Path
    log_file: Path
    libs_dir: Path
    installed: bool  # the jars are present
    formatted: bool  # the data folder holds a cluster

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"


class LocalBroker:
    def __init__(
        self,
        settings: BrokerSettings,
        *,
        progress: Progress | None = None,
        probe: Probe = metadata_probe,
    ) -> None:
        self.settings = settings
        self._progress = progress or (lambda _message: None)
        self._probe = probe
        # Kept so this process reaps the broker it started (no zombie, no ResourceWarning).
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return self.settings.bootstrap

    @property
    def config_file(self) -> Path:
        return self.settings.config_dir / "server.properties"

    def ensure_distribution(self) -> Path:
        if not distribution.is_complete(self.settings.libs_dir) and not self.settings.kafka_home:
            self._progress(f"Downloading Apache Kafka {self.settings.version} with Maven")
        return distribution.ensure_distribution(self.settings)

    def start(self, timeout: float = 60.0) -> None:
        """Start the broker and wait until it answers metadata; a running broker is left as is."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the broker's process and record it, without waiting for it to answer: a node of
        a cluster answers only once a majority of the quorum runs, so all are launched first."""
        if self._live_record() is not None:
            return
        java = distribution.find_java()
        libs = self.ensure_distribution()
        self.check_ports()
        java_command = self._java_command(java, libs)
        self._write_config()
        log_file = self.settings.log_file
        log_file.parent.mkdir(parents=True, exist_ok=True)
        if log_file.exists():  # one run per file, so an error's log tail is about this run
            os.replace(log_file, log_file.with_suffix(".log.1"))
        if not storage.is_formatted(self.settings.data_dir):
            self._progress("Formatting the Kafka storage")
        storage.format_storage(
            java_command,
            self.config_file,
            self.settings.data_dir,
            log_file,
            cluster_id=self.settings.cluster_id,
        )
        self._progress(f"Starting Apache Kafka on {self.bootstrap}")
        with log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                [*java_command, state.MAIN_CLASS, str(self.config_file)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.settings.root,
                start_new_session=True,
            )
        record = state.BrokerRecord(
            pid=self._proc.pid,
            host=self.settings.host,
            port=self.settings.port,
            controller_port=self.settings.quorum_port,
            version=distribution.detect_version(libs) or self.settings.version,
            libs_dir=str(libs),
            config_file=str(self.config_file),
            started_at=time.time(),
        )
        state.write_record(self.settings.state_file, record)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the launched (or already running) broker answers metadata, and give it
        its SASL users; a broker that is not running is a BrokerError."""
        record = state.read_record(self.settings.state_file)
        if record is None:
            raise BrokerError(f"the Kafka broker of {self.settings.node_root} is not running")
        started_here = self._proc is not None
        self._wait_ready(record, timeout)
        try:
            self._ensure_users(timeout)
        except BrokerError:
            if started_here:  # a broker without its users would fail every test confusingly
                self.stop()
            raise

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the broker's process group, SIGKILL it after `grace` seconds; forget its pid."""
        record = state.read_record(self.settings.state_file)
        if record is not None and state.is_broker_process(record.pid, record.config_file):
            self._progress("Stopping Apache Kafka")
            self._signal(record.pid, signal.SIGTERM)
            if not self._wait_exit(record.pid, grace):
                self._signal(record.pid, signal.SIGKILL)
                self._wait_exit(record.pid, 5.0)
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()  # started here but never recorded (or record gone): still ours
            self._proc.wait()
        self._proc = None
        state.clear_record(self.settings.state_file)

    def kill(self) -> None:
        """SIGKILL the broker's process group, as a crash would (no controlled shutdown), and
        reap it when this object started it; the record goes, the data stays."""
        record = state.read_record(self.settings.state_file)
        if record is not None and state.is_broker_process(record.pid, record.config_file):
            self._signal(record.pid, signal.SIGKILL)
            self._wait_exit(record.pid, 10.0)
        state.clear_record(self.settings.state_file)

    def status(self) -> BrokerStatus:
        s = self.settings
        record = self._live_record()
        libs = Path(record.libs_dir) if record else s.libs_dir
        version = record.version if record else distribution.detect_version(libs) or s.version
        return BrokerStatus(
            running=record is not None,
            pid=record.pid if record else None,
            host=record.host if record else s.host,
            port=record.port if record else s.port,
            controller_port=record.controller_port if record else s.quorum_port,
            version=version,
            data_dir=s.data_dir,
            log_file=s.log_file,
            libs_dir=libs,
            installed=s.kafka_home is not None or distribution.is_complete(libs),
            formatted=storage.is_formatted(s.data_dir),
        )

    def uninstall(self, remove_cache: bool = False) -> None:
        """Stop the broker and delete its data, config and logs; the jars too with remove_cache."""
        self.stop()
        s = self.settings
        for path in (s.data_dir, s.config_dir, s.log_file.parent):
            shutil.rmtree(path, ignore_errors=True)
        if remove_cache and s.kafka_home is None:
            shared = s.cache_dir is not None
            # A shared cache may hold other versions (and other homes' jars): only ours goes.
            shutil.rmtree(s.libs_dir.parent if shared else s.dist_root, ignore_errors=True)
        with contextlib.suppress(OSError):
            s.root.rmdir()  # only when nothing else (the jar cache) is left in it

    # -- internals -------------------------------------------------------------------------

    def _live_record(self) -> state.BrokerRecord | None:
        record = state.read_record(self.settings.state_file)
        if record is None:
            return None
        if state.is_broker_process(record.pid, record.config_file):
            return record
        state.clear_record(self.settings.state_file)  # a broker that died or a reboot
        return None

    def check_ports(self) -> None:
        """A BrokerError naming the first of this broker's ports that another process holds."""
        s = self.settings
        listeners = (
            (s.port, "Kafka"),
            *(((s.quorum_port, "controller"),) if s.is_controller else ()),
            *((x.port, f"{x.name} ({x.protocol})") for x in s.listeners),
        )
        for port, role in listeners:
            if port_in_use(s.host, port):
                raise BrokerError(
                    f"port {port} on {s.host} (the {role} listener) is already in use by another "
                    "process: stop that process or pick another port with --kafka-port "
                    f"(the controller listens on the port after it)."
                )

    def _java_command(self, java: str, libs: Path) -> list[str]:
        log4j = self.settings.config_dir / "log4j2.properties"
        return [
            java,
            *self.settings.jvm_opts,
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            str(libs / "*"),  # the JVM expands this wildcard itself
        ]

    def _write_config(self) -> None:
        # Rewritten every start: the port may have changed since the storage was formatted.
        self.settings.config_dir.mkdir(parents=True, exist_ok=True)
        props = config.server_properties(self.settings)
        self.config_file.write_text(config.render_properties(props))
        (self.settings.config_dir / "log4j2.properties").write_text(config.LOG4J2_PROPERTIES)

    def _ensure_users(self, timeout: float) -> None:
        mechanisms = scram_mechanisms(self.settings.listeners)
        ensure_scram_users(self.bootstrap, self.settings.users, mechanisms, timeout)

    def _wait_ready(self, record: state.BrokerRecord, timeout: float) -> None:
        bootstrap = f"{record.host}:{record.port}"
        outcome = wait_until_ready(
            probe=lambda: self._probe(bootstrap),
            alive=lambda: self._alive(record),
            timeout=timeout,
        )
        if outcome is Outcome.READY:
            return
        log_file = self.settings.log_file
        if outcome is Outcome.DIED:
            code = self._proc.returncode if self._proc is not None else None
            state.clear_record(self.settings.state_file)
            self._proc = None
            how = f" with exit code {code}" if code is not None else ""
            raise BrokerError(
                with_log_tail(
                    f"the Kafka broker exited{how} while starting. Read the log below; "
                    "`daprlite uninstall` then `daprlite init` starts from a clean slate.",
                    log_file,
                )
            )
        self.stop()
        raise BrokerError(
            with_log_tail(
                f"the Kafka broker did not answer on {bootstrap} within {timeout:.0f}s, so it "
                "was stopped. Retry with a longer timeout, or read the log below.",
                log_file,
            )
        )

    def _alive(self, record: state.BrokerRecord) -> bool:
        if self._proc is not None and self._proc.pid == record.pid:
            return self._proc.poll() is None
        return state.is_broker_process(record.pid, record.config_file)

    def _signal(self, pid: int, signum: signal.Signals) -> None:
        # The broker leads its own session, so its group id is its pid.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signum)

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        try:
            psutil.Process(pid).wait(timeout)
        except psutil.NoSuchProcess:
            return True
        except psutil.TimeoutExpired:
            return False
        return True

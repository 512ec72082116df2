"""A real Kubernetes API server for the tests: the system's etcd and the kube-apiserver built by
tools/kube-apiserver/build.sh, both on loopback, with a throw-away PKI in a temp folder.

No controller-manager, scheduler or kubelet runs: the server validates, defaults and admits what
it is sent, and nothing acts on it. Both processes are always stopped at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.tls_certs import Authority
from tests.support.go_tools import ToolMissing, cached_binary
from tests.support.ports import free_ports
from tests.support.wait import wait_until

ETCD_HINT = "etcd was not found; install it with `apt-get install -y etcd-server` (Debian)"
_START_ATTEMPTS = 3  # a free port can be taken between picking it and the server binding it
_STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL


def find_kube_apiserver() -> Path:
    """$DAPRLITE_KUBE_APISERVER, else the binary build.sh caches for the pinned version."""
    return cached_binary("kube-apiserver", "k8s.io/kubernetes", "DAPRLITE_KUBE_APISERVER")


def find_etcd() -> Path:
    found = shutil.which("etcd")
    if not found:
        raise ToolMissing(ETCD_HINT)
    return Path(found)


@dataclass(frozen=True, slots=True)
class KubeEndpoint:
    """How to reach the running API server: its URL, the CA that signed its certificate, and
    the bearer token of a user in system:masters."""

    url: str
    ca_file: Path
    token: str
    log_file: Path

    def session(self) -> requests.Session:
        session = requests.Session()
        # Not the environment's CA bundle or proxies: with trust_env, requests prefers
        # REQUESTS_CA_BUNDLE over session.verify, and a proxy would never reach loopback.
        session.trust_env = False
        session.verify = str(self.ca_file)
        session.headers["Authorization"] = f"Bearer {self.token}"
        return session


class LocalKubeAPIServer:
    """`start()` runs etcd then kube-apiserver and waits for /readyz; `stop()` ends both and
    removes the temp folder."""

    def __init__(self, apiserver: Path | None = None, etcd: Path | None = None) -> None:
        self.apiserver = apiserver or find_kube_apiserver()
        self.etcd = etcd or find_etcd()
        self.root = Path(tempfile.mkdtemp(prefix="daprlite-kube-"))
        self._processes: list[_Running] = []

    def start(self, timeout: float = 120.0) -> KubeEndpoint:
        credentials = self._write_credentials()
        for attempt in range(_START_ATTEMPTS):
            etcd_port, peer_port, api_port = free_ports(3)
            try:
                self._start_etcd(etcd_port, peer_port, timeout)
                return self._start_apiserver(etcd_port, api_port, credentials, timeout)
            except _PortTaken:
                self._stop_processes()
                if attempt == _START_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        self._stop_processes()
        shutil.rmtree(self.root, ignore_errors=True)

    def _write_credentials(self) -> _Credentials:
        pki = self.root / "pki"
        pki.mkdir()
        authority = Authority.create("daprlite-test-kube-ca")
        serving = authority.server("kube-apiserver")
        (pki / "ca.crt").write_text(authority.cert)
        (pki / "apiserver.crt").write_text(serving.cert)
        (pki / "apiserver.key").write_text(serving.key)
        # The server signs service-account tokens with this pair and checks them with its half.
        signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (pki / "sa.key").write_bytes(
            signing_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        (pki / "sa.pub").write_bytes(
            signing_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        token = secrets.token_urlsafe(24)
        # token,user,uid,"groups": one admin, as a kubeconfig with a static token would be.
        (pki / "tokens.csv").write_text(f'{token},daprlite-test,1000,"system:masters"\n')
        for secret_file in ("apiserver.key", "sa.key", "tokens.csv"):
            (pki / secret_file).chmod(0o600)
        return _Credentials(pki, token)

    def _start_etcd(self, port: int, peer_port: int, timeout: float) -> None:
        client_url, peer_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{peer_port}"
        data = self.root / "etcd"
        shutil.rmtree(data, ignore_errors=True)
        log_file = self.root / "etcd.log"
        self._spawn(
            [
                str(self.etcd),
                "--name=test",
                f"--data-dir={data}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=test={peer_url}",
                "--initial-cluster-state=new",
                # Warnings only: the log is read when start-up fails, and then shown.
                "--logger=zap",
                "--log-level=warn",
            ],
            log_file,
            "etcd",
        )

        def healthy() -> bool:
            self._check_alive()
            with contextlib.suppress(requests.RequestException):
                reply = requests.get(f"{client_url}/health", timeout=2)
                return reply.ok and reply.json().get("health") == "true"
            return False

        wait_until(
            healthy, lambda: f"etcd healthy on {client_url}" + _tail(log_file), timeout=timeout
        )

    def _start_apiserver(
        self, etcd_port: int, port: int, credentials: _Credentials, timeout: float
    ) -> KubeEndpoint:
        pki = credentials.pki
        log_file = self.root / "kube-apiserver.log"
        self._spawn(
            [
                str(self.apiserver),
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--cert-dir={pki}",
                f"--tls-cert-file={pki / 'apiserver.crt'}",
                f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--token-auth-file={pki / 'tokens.csv'}",
                "--authorization-mode=AlwaysAllow",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                # Only allocated to Service objects, never dialled: nothing runs behind them.
                "--service-cluster-ip-range=10.96.0.0/16",
                # Without a controller-manager no namespace gets its `default` ServiceAccount,
                # and this plugin would refuse every Pod for it.
                "--disable-admission-plugins=ServiceAccount",
                # The `kubernetes` Service would point at the advertise address, and Endpoints
                # may not be loopback ones: keep no endpoints for it, nothing dials it here.
                "--endpoint-reconciler-type=none",
                "--enable-priority-and-fairness=false",
                "--profiling=false",
                "--v=1",
            ],
            log_file,
            "kube-apiserver",
        )
        endpoint = KubeEndpoint(
            url=f"https://127.0.0.1:{port}",
            ca_file=pki / "ca.crt",
            token=credentials.token,
            log_file=log_file,
        )
        session = endpoint.session()

        def ready() -> bool:
            self._check_alive()
            with contextlib.suppress(requests.RequestException):
                return session.get(f"{endpoint.url}/readyz", timeout=5).ok
            return False

        wait_until(ready, lambda: "kube-apiserver /readyz" + _tail(log_file), timeout=timeout)
        return endpoint

    def _spawn(self, argv: list[str], log_file: Path, name: str) -> None:
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
            )
        self._processes.append(_Running(name, process, log_file))

    def _check_alive(self) -> None:
        """Fail at once (not at the deadline) when a server exited during start-up."""
        for running in self._processes:
            if running.process.poll() is None:
                continue
            if "address already in use" in running.log_file.read_text(errors="replace"):
                raise _PortTaken(running.name)
            raise RuntimeError(
                f"{running.name} exited with {running.process.returncode} during start-up"
                + _tail(running.log_file)
            )

    def _stop_processes(self) -> None:
        # Newest first: the API server before the etcd it writes to.
        while self._processes:
            process = self._processes.pop().process
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=_STOP_GRACE)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _tail(log_file: Path) -> str:
    """The end of a server's log, for a failure message (the temp folder goes with stop())."""
    log = log_file.read_text(errors="replace") if log_file.exists() else "(no log)"
    return f"; end of {log_file.name}:\n{log[-4000:]}"


@dataclass(frozen=True, slots=True)
class _Credentials:
    pki: Path
    token: str


@dataclass(frozen=True, slots=True)
class _Running:
    name: str
    process: subprocess.Popen[bytes]
    log_file: Path


class _PortTaken(RuntimeError):
    pass


@contextlib.contextmanager
def running_kube_apiserver(timeout: float = 120.0) -> Iterator[KubeEndpoint]:
    server = LocalKubeAPIServer()
    try:
        yield server.start(timeout)
    finally:
        server.stop()

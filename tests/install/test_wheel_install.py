"""The README's first section as a new user follows it: the wheel built from this checkout,
installed into a fresh venv, `daprlite init`, the README's one-file app run in a folder of its
own with the default components, a message sent and received, then `daprlite uninstall`."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import daprlite
from daprlite.localkafka import BrokerSettings, LocalBroker, default_cache_dir
from tests.e2e.runner import READY_MARK
from tests.support.ports import free_port
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
README_SECTION = "## Use daprlite with your own app"

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built as `pip wheel --no-deps` builds it."""
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [*PIP, "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    [built] = dist.glob("daprlite-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding only the wheel and its dependencies."""
    venv = tmp_path_factory.mktemp("install") / "venv"
    # No pip of its own (ensurepip is slow): this venv's pip installs into it. No byte-compiling
    # either; the dependencies come from pip's cache.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    done = subprocess.run(
        [*PIP, "--python", str(venv / "bin" / "python"), "install", "-q", "--no-compile",
         str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


def test_the_wheel_holds_the_package_and_nothing_else(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    info = f"daprlite-{daprlite.__version__}.dist-info/"
    assert {name.split("/")[0] for name in names} == {"daprlite", info.rstrip("/")}
    packaged = {name for name in names if name.startswith("daprlite/")}
    sources = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "daprlite").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert packaged == sources  # the dashboard's static page included, nothing else
    assert f"{info}licenses/LICENSE" in names
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"{info}METADATA").decode()
    assert f"Version: {daprlite.__version__}\n" in metadata  # the one version, from __init__
    assert "License-Expression: Apache-2.0" in metadata


def free_port_pair() -> int:
    """A port P with P+1 also free: `init --kafka-port P` puts the controller on P+1."""
    for _ in range(50):
        port = free_port()
        with contextlib.suppress(OSError), socket.socket() as probe:
            probe.bind(("127.0.0.1", port + 1))
            return port
    raise AssertionError("no two consecutive free ports")


class User:
    """A shell with only the venv's bin on PATH ahead of the system's, in their own folder."""

    def __init__(self, bin_dir: Path, home: Path, folder: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = folder
        self.env = {
            "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
            "HOME": os.environ.get("HOME", str(home)),
            "DAPRLITE_HOME": str(home),
            # The jars the test suite's brokers use already: nothing is downloaded again.
            "DAPRLITE_KAFKA_CACHE": str(default_cache_dir()),
            **{k: v for k, v in os.environ.items() if k in ("JAVA_HOME", "LANG", "TMPDIR")},
        }

    def daprlite(self, *args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["daprlite", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def readme_app() -> str:
    """The one-file app of the README's first section, as a user copies it."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(README_SECTION) :]
    section = section[: section.index("\n## ", len(README_SECTION))]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return code


@pytest.fixture
def user(installed: Path, tmp_path: Path) -> Iterator[User]:
    folder = tmp_path / "myapp"
    folder.mkdir()
    home = tmp_path / "daprlite-home"
    yield User(installed, home, folder)
    # Whatever the test did, no broker is left running.
    for state in home.glob("kafka/broker.json"):
        port = int(re.search(r'"port": (\d+)', state.read_text()).group(1))  # type: ignore[union-attr]
        LocalBroker(BrokerSettings(home=home, port=port, cache_dir=default_cache_dir())).stop()


def test_bash_completion_of_the_installed_command(installed: Path, tmp_path: Path) -> None:
    """The script of `--show-completion bash`, sourced into a real bash, completes commands
    and options as a user's Tab would."""
    script = """
        eval "$(daprlite --show-completion bash)"
        COMP_WORDS=(daprlite ini); COMP_CWORD=1; _daprlite_completion daprlite
        echo "commands: ${COMPREPLY[*]}"
        COMP_WORDS=(daprlite init --bro); COMP_CWORD=2; _daprlite_completion daprlite
        echo "options: ${COMPREPLY[*]}"
    """
    env = User(installed, tmp_path / "home", tmp_path).env
    done = subprocess.run(
        ["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["commands: init", "options: --brokers"], done.stdout


@pytest.mark.kafka  # a real broker, started by the installed `daprlite init`
def test_install_init_run_uninstall(user: User) -> None:
    version = user.daprlite("--version")
    assert version.returncode == 0, version.stderr
    assert re.match(r"daprlite \d+\.\d+\.\d+\nApache Kafka \d", version.stdout), version.stdout

    kafka_port = free_port_pair()
    init = user.daprlite("init", "--kafka-port", str(kafka_port))
    assert init.returncode == 0, init.stdout + init.stderr
    home = Path(user.env["DAPRLITE_HOME"])
    assert f"Default components in {home / 'components'}" in init.stdout

    (user.folder / "app.py").write_text(readme_app())
    app_port = free_port()
    run = subprocess.Popen(
        ["daprlite", "run", "--app-id", "myapp", "--app-port", str(app_port), "--",
         "python3", "app.py"],
        cwd=user.folder,
        env=user.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(run.stdout or ()), daemon=True)
    reader.start()

    def shown(text: str) -> Callable[[], bool]:
        return lambda: text in "".join(lines) or run.poll() is not None

    try:
        wait_until(shown(READY_MARK), lambda: "".join(lines), timeout=60.0)
        assert READY_MARK in "".join(lines), "".join(lines)
        sent = user.daprlite(
            "binding", "invoke", "sample-topic", "--app-id", "myapp", "--data", '{"orderId": 1}'
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        received = "== APP == received {'orderId': 1}"
        wait_until(shown(received), lambda: "".join(lines), timeout=30.0)
        assert received in "".join(lines), "".join(lines)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)
        reader.join(timeout=5)
        if run.stdout is not None:
            run.stdout.close()
    output = "".join(lines)
    print(output)  # shown by pytest on a failure below
    # The default config.yaml was read (metrics on, no export errors with no collector).
    assert "sample-topic (bindings.kafka/v1)" in output, output
    assert "export" not in output.lower(), output

    changed = home / "config.yaml"
    changed.write_text(changed.read_text() + "# my change\n")
    removed = user.daprlite("uninstall")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert f"kept {changed}" in removed.stdout
    left = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert left == ["config.yaml"], left

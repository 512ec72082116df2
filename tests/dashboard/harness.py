"""The dashboard tests' world: a consumer app beside its sidecar (bindings `orders` and
`stalls`, tracing on), a producer sidecar with the same two bindings as outputs, and a real
`daprlite dashboard` process over their run files, all on the session's Kafka broker."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.components import write_component
from tests.support.ports import free_port

APP = Path(__file__).with_name("printing_app.py")
CONFIG = """apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: tracing
spec:
  tracing:
    samplingRate: "1"
"""
URL_LINE = re.compile(r"Dapr Dashboard running on (http://\S+)")


class DashboardProcess:
    """`daprlite dashboard -p 0`, its output read line by line; `url` once it listens."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daprlite", "dashboard", *args],
            env=os.environ | env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout as stream:
            for line in stream:
                self.lines.append(line.rstrip("\n"))

    def url(self, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := URL_LINE.search(line):
                    return found.group(1)
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            self._reader.join(0.05)
        raise AssertionError("the dashboard printed no URL; output:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        finally:
            self._reader.join(5)


@dataclass
class World:
    consumer: DaprliteRun
    producer: DaprliteRun
    producer_http: int
    dashboard: DashboardProcess
    url: str
    orders_topic: str
    stalls_topic: str

    def send(self, binding: str, data: object, metadata: dict[str, str] | None = None) -> None:
        """An output call through the producer's sidecar, as an app would make it."""
        body: dict[str, object] = {"operation": "create", "data": data}
        if metadata:
            body["metadata"] = metadata
        answer = requests.post(
            f"http://127.0.0.1:{self.producer_http}/v1.0/bindings/{binding}", json=body, timeout=30
        )
        assert answer.status_code == 204, answer.text

    def api(self, path: str) -> object:
        answer = requests.get(self.url + path, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()


def http_port(run: DaprliteRun) -> int:
    [line] = run.wait_for(r"HTTP Port: \d+", timeout=60)
    found = re.search(r"HTTP Port: (\d+)", line)
    assert found
    return int(found.group(1))


def start_world(folder: Path, bootstrap: str, orders: str, stalls: str) -> World:
    home = folder / "home"
    env = {"DAPRLITE_HOME": str(home)}
    config = folder / "tracing.yaml"
    config.write_text(CONFIG)
    consumer_components, producer_components = folder / "consumer", folder / "producer"
    write_component(consumer_components, "orders", bootstrap, orders, direction="input")
    # Retried for ever, 200 ms apart: a poison message holds its partition up (STALL).
    write_component(consumer_components, "stalls", bootstrap, stalls, direction="input",
                    consumeRetryEnabled="true", backOffDuration="200ms")  # fmt: skip
    write_component(producer_components, "orders", bootstrap, orders, direction="output")
    write_component(producer_components, "stalls", bootstrap, stalls, direction="output")
    common = ["--config", str(config)]
    consumer = DaprliteRun(
        ["--app-id", "consumer", "--app-port", str(free_port()),
         "--components-path", str(consumer_components), *common,
         "--", sys.executable, "-u", str(APP)],
        cwd=folder, env=env,
    )  # fmt: skip
    producer = DaprliteRun(
        ["--app-id", "producer", "--components-path", str(producer_components), *common],
        cwd=folder,
        env=env,
    )
    dashboard = None
    try:
        consumer.wait_for(re.escape(READY_MARK), timeout=90)
        port = http_port(producer)
        producer.wait_for(re.escape(READY_MARK), timeout=90)
        dashboard = DashboardProcess(env, "--port", "0")
        url = dashboard.url()
    except BaseException:
        for process in (consumer, producer):
            process.stop()
        if dashboard is not None:
            dashboard.stop()
        raise
    return World(consumer, producer, port, dashboard, url, orders, stalls)


def stop_world(world: World) -> None:
    world.dashboard.stop()
    world.producer.stop()
    world.consumer.stop()

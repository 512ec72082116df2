"""The fault suite's instruments: a sender that counts acks, a ledger of what apps received,
and the per-case row of counts (sent, acknowledged, delivered, duplicated, lost)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import aiohttp

from tests.e2e.runner import READY_MARK, DaprliteRun
from tests.support.components import write_component

ROOT = Path(__file__).resolve().parents[2]
RECORDER = ROOT / "tests" / "apps" / "recorder_app.py"
COMPONENT = "sample-topic"


def fault_components(folder: Path, bootstrap: str, topic: str, **extra: str) -> Path:
    """The suite's components folder: binding COMPONENT on `topic`, retrying after 100 ms."""
    return write_component(folder, COMPONENT, bootstrap, topic, backOffDuration="100ms", **extra)


def http_port_of(run: DaprliteRun) -> int:
    [line] = run.wait_for(r"HTTP Port: \d+", timeout=60)
    match = re.search(r"HTTP Port: (\d+)", line)
    assert match
    return int(match.group(1))


def start_sender(components: Path, cwd: Path) -> tuple[DaprliteRun, int]:
    """A `daprlite run` with no app: just a sidecar whose output binding we post to."""
    run = DaprliteRun(["--app-id", "sender", "--components-path", str(components)], cwd=cwd)
    port = http_port_of(run)
    run.wait_for(re.escape(READY_MARK), timeout=60)
    return run, port


def start_consumer(
    name: str,
    components: Path,
    cwd: Path,
    port: int,
    record: Path,
    restart: bool = False,
    **env: str,
) -> DaprliteRun:
    """`daprlite run` with the recorder app; with `restart`, a shell loop revives the app."""
    app = [sys.executable, str(RECORDER)]
    if restart:
        app = ["sh", "-c", f'while :; do "{sys.executable}" "{RECORDER}"; done']
    run = DaprliteRun(
        [
            "--app-id",
            "consumer",
            "--app-port",
            str(port),
            "--components-path",
            str(components),
            "--",
            *app,
        ],
        cwd=cwd,
        env={"RECORD_FILE": str(record), "INSTANCE": name, **env},
    )
    run.wait_for(re.escape(READY_MARK), timeout=90)
    return run


def app_pids(run: DaprliteRun) -> list[int]:
    return [int(m) for m in re.findall(r"recorder ready pid=(\d+)", run.output)]


def kill_hard(run: DaprliteRun) -> None:
    """SIGKILL the sidecar and its app, as a crashed machine would."""
    for pid in app_pids(run):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os.killpg(run.process.pid, signal.SIGKILL)
    run.process.wait(10)


class Failure(NamedTuple):
    """A post that was not acknowledged: the HTTP status (None if no answer came) and body."""

    status: int | None
    body: str


@dataclass
class Sender:
    """Posts messages `{"id", "key", "seq"}` to a sidecar and remembers which were acked.

    Messages of one key go one after another (so Kafka sees them in order); keys in parallel.
    """

    port: int
    acked: set[int] = field(default_factory=set)
    failed: dict[int, Failure] = field(default_factory=dict)
    sent: int = 0
    # Seconds from post to answer (or to giving up), per message id.
    took: dict[int, float] = field(default_factory=dict)
    # Set by stop(): each key's loop ends after its current post (a stream of open length).
    stopping: bool = False

    def stop(self) -> None:
        self.stopping = True

    async def send(self, count: int, keys: int = 1, rate: float | None = None) -> None:
        url = f"http://127.0.0.1:{self.port}/v1.0/bindings/{COMPONENT}"
        per_key: dict[int, list[int]] = defaultdict(list)
        for n in range(count):
            per_key[n % keys].append(n)
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as session:

            async def one_key(key: int, ids: list[int]) -> None:
                for seq, message_id in enumerate(ids):
                    if self.stopping:
                        return
                    if rate:  # pace the whole stream so faults land mid-stream
                        await asyncio.sleep(
                            max(0.0, started + message_id / rate - time.monotonic())
                        )
                    await self._post(session, url, message_id, key, seq)

            await asyncio.gather(*(one_key(k, ids) for k, ids in per_key.items()))

    async def _post(
        self, session: aiohttp.ClientSession, url: str, message_id: int, key: int, seq: int
    ) -> None:
        body = {
            "operation": "create",
            "data": {"id": message_id, "key": f"k{key}", "seq": seq},
            "metadata": {"partitionKey": f"k{key}"},
        }
        self.sent += 1
        posted = time.monotonic()
        try:
            async with session.post(url, json=body) as response:
                text = await response.text()
                if response.status == 204:
                    self.acked.add(message_id)
                else:
                    self.failed[message_id] = Failure(response.status, text)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.failed[message_id] = Failure(None, repr(exc))
        finally:
            self.took[message_id] = time.monotonic() - posted


@dataclass
class Ledger:
    """Everything the apps accepted, read back from their record files."""

    lines: list[dict[str, object]]

    @classmethod
    def read(cls, files: Iterable[Path]) -> Ledger:
        lines = []
        for path in files:
            if path.exists():
                lines += [json.loads(raw) for raw in path.read_text().splitlines() if raw]
        lines.sort(key=lambda line: int(str(line["at"])))
        return cls(lines)

    @property
    def ids(self) -> set[int]:
        return {int(str(line["id"])) for line in self.lines}

    @property
    def duplicates(self) -> int:
        return len(self.lines) - len(self.ids)

    def out_of_order_keys(self) -> list[str]:
        """Keys whose first deliveries did not come in the order they were sent."""
        last: dict[str, int] = {}
        seen: set[int] = set()
        broken = set()
        for line in self.lines:
            message_id = int(str(line["id"]))
            if message_id in seen:
                continue  # a redelivery: counted as a duplicate, not as disorder
            seen.add(message_id)
            key, seq = str(line["key"]), int(str(line["seq"]))
            if seq <= last.get(key, -1):
                broken.add(key)
            last[key] = seq
        return sorted(broken)


async def wait_delivered(ids: set[int], files: list[Path], timeout: float = 120.0) -> Ledger:
    """Wait until every id in `ids` was recorded (or the deadline passes); return the ledger."""
    deadline = time.monotonic() + timeout
    while True:
        ledger = Ledger.read(files)
        if ids <= ledger.ids or time.monotonic() > deadline:
            return ledger
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Counts:
    case: str
    sent: int
    acked: int
    delivered: int
    duplicated: int
    lost: int
    note: str = ""

    @classmethod
    def of(cls, case: str, sender: Sender, ledger: Ledger, note: str = "") -> Counts:
        return cls(
            case,
            sent=sender.sent,
            acked=len(sender.acked),
            delivered=len(ledger.ids),
            duplicated=ledger.duplicates,
            lost=len(sender.acked - ledger.ids),
            note=note,
        )

"""The bench's surroundings: one local broker in a temp dir, topics, preloaded messages.

Component files and free ports come from `tests.support`, shared with the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from daprlite.localkafka import BrokerSettings, LocalBroker, default_cache_dir
from tests.support.ports import free_ports

ROOT = Path(__file__).resolve().parent.parent


def start_broker(home: Path) -> LocalBroker:
    port, controller = free_ports(2)
    settings = BrokerSettings(
        home=home, port=port, controller_port=controller, cache_dir=default_cache_dir()
    )
    broker = LocalBroker(settings, progress=lambda m: print(f"  {m}", flush=True))
    broker.start(timeout=180.0)  # the first run on a fresh machine downloads the jars
    return broker


def create_topic(bootstrap: str, partitions: int, prefix: str) -> str:
    """A fresh topic whose partitions all have a leader."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[
        name
    ].result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        topic = admin.list_topics(topic=name, timeout=5).topics.get(name)
        ready = topic is not None and topic.error is None and len(topic.partitions) == partitions
        if ready and topic and all(p.leader >= 0 for p in topic.partitions.values()):
            return name
        time.sleep(0.05)
    raise TimeoutError(f"topic {name} got no leaders")


RECORD_BYTES = 1024  # the stated input payload size, as the output cases' `data`


def record(partition: int, seq: int, size: int = RECORD_BYTES) -> bytes:
    """One input record of exactly `size` bytes (if the fields fit): the partition and per-partition
    sequence number the app checks order with, the send time for end-to-end latency, padding."""
    body = {"p": partition, "s": seq, "t": time.time(), "pad": ""}
    bare = len(json.dumps(body))
    body["pad"] = "x" * max(size - bare, 0)
    return json.dumps(body).encode()


def preload(bootstrap: str, topic: str, partitions: int, count: int) -> None:
    """`count` messages spread round-robin over the partitions, each with its per-partition seq."""
    # Idempotent, so that the log itself is in sequence order (a plain producer's retries may
    # reorder batches) and any order violation the app sees is the sidecar's.
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True}
    )
    for i in range(count):
        partition = i % partitions
        value = record(partition, i // partitions)
        while True:
            try:
                producer.produce(topic, value, partition=partition)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("preload: messages left unacknowledged")


def run_module(module: str, *args: str, timeout: float = 120.0) -> dict[str, Any]:
    """Run `python -m module args...` and parse the JSON line it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result

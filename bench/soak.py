"""`python -m bench.soak` (`make soak`, not CI): the seed's path under steady load for a bounded
time. A pythonapp-style producer and a nodeapp-style consumer, each under `daprlite run`, with
Kafka (one broker, or `--brokers 3`) between them; every `--sample` seconds it reads both
sidecars' RSS and open file descriptors and the end-to-end latencies of that window.
Writes bench/results/soak.{json,md,png}; exits 1 if a single acknowledged message is lost.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from bench.env import ROOT
from bench.soak_report import Sample, SoakResult, percentile, write_reports
from daprlite.localkafka import (
    BrokerSettings,
    LocalBroker,
    LocalCluster,
    NodePorts,
    default_cache_dir,
    new_cluster,
)
from tests.support.components import write_component
from tests.support.ports import free_port, free_ports


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds at most")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages at most")
    parser.add_argument("--rate", type=float, default=500.0, help="messages a second")
    parser.add_argument("--keys", type=int, default=8, help="keys (each sent in order)")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--brokers", type=int, default=1, help="Kafka nodes (1, or a cluster)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="daprlite-soak-") as scratch:
        work = Path(scratch)
        kafka = start_kafka(work / "home", args.brokers)
        try:
            result = soak(args, work, kafka.bootstrap)
        finally:
            kafka.stop()
    write_reports(result, args.out)
    print((args.out / "soak.md").read_text(), flush=True)
    sys.exit(1 if result.lost else 0)


def start_kafka(home: Path, brokers: int) -> LocalBroker | LocalCluster:
    ports = free_ports(2 * brokers)
    base = BrokerSettings(
        home=home, port=ports[0], controller_port=ports[1], cache_dir=default_cache_dir()
    )
    kafka: LocalBroker | LocalCluster
    if brokers == 1:
        kafka = LocalBroker(base, progress=lambda m: print(f"  {m}", flush=True))
    else:
        nodes = [NodePorts(n + 1, ports[2 * n], ports[2 * n + 1]) for n in range(brokers)]
        kafka = new_cluster(base, brokers, nodes, progress=lambda m: print(f"  {m}", flush=True))
    kafka.start(timeout=180.0)
    return kafka


def soak(args: argparse.Namespace, work: Path, bootstrap: str) -> SoakResult:
    topic = f"soak-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    # No replication factor: the brokers' default (3 on a cluster, 1 on a single broker).
    admin.create_topics([NewTopic(topic, num_partitions=args.partitions)])[topic].result(30)
    components = write_component(work / "components", "soak", bootstrap, topic)
    record, acks = work / "received.csv", work / "acks.txt"
    consumer_port = free_port()
    consumer = spawn(
        ["--app-id", "soak-consumer", "--app-port", str(free_port())],
        components,
        consumer_port,
        [sys.executable, "-m", "bench.soak_consumer"],
        work / "consumer.log",
        {"SOAK_RECORD": str(record)},
    )
    wait_healthy(consumer, consumer_port)
    producer_port = free_port()
    producer = spawn(
        ["--app-id", "soak-producer"],
        components,
        producer_port,
        [sys.executable, "-m", "bench.soak_producer"],
        work / "producer.log",
        {
            "SOAK_RATE": str(args.rate),
            "SOAK_MESSAGES": str(args.messages),
            "SOAK_SECONDS": str(args.duration),
            "SOAK_KEYS": str(args.keys),
            "SOAK_ACKS": str(acks),
        },
    )
    reader = RecordReader(record)
    samples: list[Sample] = []
    started = time.monotonic()
    try:
        wait_healthy(producer, producer_port)
        print(f"soaking: {args.rate:g} msg/s for up to {args.duration:g}s", flush=True)
        while producer.poll() is None:
            time.sleep(args.sample)  # the sampling period itself
            samples.append(take_sample(started, producer, consumer, reader))
            print(samples[-1].line(), flush=True)
        acked, failed = read_acks(acks)
        deadline = time.monotonic() + 120
        while not acked <= reader.ids and time.monotonic() < deadline:
            time.sleep(0.5)
            reader.read()
        samples.append(take_sample(started, producer, consumer, reader))
    finally:
        for proc in (producer, consumer):
            stop(proc)
    acked, failed = read_acks(acks)
    return SoakResult(
        rate=args.rate,
        brokers=args.brokers,
        seconds=time.monotonic() - started,
        sent=len(acked) + failed,
        acked=len(acked),
        failed=failed,
        delivered=len(reader.ids),
        duplicated=reader.lines - len(reader.ids),
        lost=len(acked - reader.ids),
        out_of_order_keys=len(reader.out_of_order),
        samples=samples,
    )


class RecordReader:
    """Reads the consumer's record file as it grows: ids, duplicates, order and latencies."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.ids: set[int] = set()
        self.lines = 0
        self.last_seq: dict[int, int] = {}
        self.out_of_order: set[int] = set()

    def read(self) -> list[float]:
        """New lines since the last call; returns their end-to-end latencies in seconds."""
        if not self.path.exists():
            return []
        with self.path.open() as handle:
            handle.seek(self.offset)
            text = handle.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete.encode())
        latencies = []
        for line in complete.splitlines():
            order_id, key, seq, sent, received = line.split(",")
            self.lines += 1
            if int(order_id) in self.ids:
                continue  # a redelivery: a duplicate, not disorder
            self.ids.add(int(order_id))
            if int(seq) <= self.last_seq.get(int(key), -1):
                self.out_of_order.add(int(key))
            self.last_seq[int(key)] = int(seq)
            latencies.append(float(received) - float(sent))
        return latencies


def take_sample(
    started: float, producer: subprocess.Popen[bytes], consumer: subprocess.Popen[bytes],
    reader: RecordReader,
) -> Sample:  # fmt: skip
    latencies = reader.read()
    return Sample(
        at=time.monotonic() - started,
        delivered=len(reader.ids),
        producer_rss_mb=rss_mb(producer),
        consumer_rss_mb=rss_mb(consumer),
        producer_fds=fds(producer),
        consumer_fds=fds(consumer),
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


def rss_mb(proc: subprocess.Popen[bytes]) -> float | None:
    if proc.poll() is not None:  # exited (a zombie until reaped would read as 0 MB)
        return None
    try:
        return float(psutil.Process(proc.pid).memory_info().rss) / 2**20
    except psutil.NoSuchProcess:
        return None


def fds(proc: subprocess.Popen[bytes]) -> int | None:
    if proc.poll() is not None:
        return None
    try:
        return int(psutil.Process(proc.pid).num_fds())
    except psutil.NoSuchProcess:
        return None


def read_acks(path: Path) -> tuple[set[int], int]:
    acked, failed = set(), 0
    if path.exists():
        for line in path.read_text().splitlines():
            kind, order_id, *_ = line.split()
            if kind == "A":
                acked.add(int(order_id))
            else:
                failed += 1
    return acked, failed


def spawn(
    flags: list[str],
    components: Path,
    http_port: int,
    app: list[str],
    log: Path,
    env: dict[str, str],
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "daprlite", "run", *flags, "--log-level", "warn"]
    command += ["--dapr-http-port", str(http_port), "--dapr-grpc-port", str(free_port())]
    command += ["--components-path", str(components), "--", *app]
    # A home of the soak's own (the user's may hold init's config.yaml, tracing on).
    home = {"DAPRLITE_HOME": str(log.parent / "daprlite-home")}
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ | home | env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(proc: subprocess.Popen[bytes], port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"a soak sidecar exited early with code {proc.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
        try:
            connection.request("GET", "/v1.0/healthz")
            if connection.getresponse().status == 204:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise TimeoutError(f"no sidecar on port {port} after {timeout:g}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":
    main()

"""Busy-port detection and the readiness loop, without a JVM."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from daprlite.localkafka.ports import accepts_connections, port_in_use
from daprlite.localkafka.readiness import Outcome, wait_until_ready
from tests.support.ports import free_port


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_listening_port_is_in_use(listener: int) -> None:
    assert port_in_use("127.0.0.1", listener)
    assert accepts_connections("127.0.0.1", listener)


def test_a_closed_port_is_free() -> None:
    port = free_port()
    assert not port_in_use("127.0.0.1", port)
    assert not accepts_connections("127.0.0.1", port)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_ready_once_the_probe_answers() -> None:
    clock, answers = FakeClock(), iter([False, False, True])
    outcome = wait_until_ready(lambda: next(answers), lambda: True, 5.0, clock, clock.sleep)
    assert outcome is Outcome.READY
    assert clock.now == pytest.approx(0.2)


def test_a_dead_process_stops_the_wait_early() -> None:
    clock, alive = FakeClock(), iter([True, True, False])
    outcome = wait_until_ready(lambda: False, lambda: next(alive), 5.0, clock, clock.sleep)
    assert outcome is Outcome.DIED
    assert clock.now < 1.0


def test_the_deadline_ends_the_wait() -> None:
    clock = FakeClock()
    outcome = wait_until_ready(lambda: False, lambda: True, 2.0, clock, clock.sleep)
    assert outcome is Outcome.TIMEOUT
    assert clock.now == pytest.approx(2.0, abs=0.15)

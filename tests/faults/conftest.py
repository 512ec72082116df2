"""Fault suite set-up: every test here is marked `faults` (run by `make test-faults`, not by
`make test`), and each case's counts are printed as one table at the end of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from daprlite.localkafka import LocalBroker
from tests.conftest import broker_settings
from tests.faults.harness import Counts

_rows: list[Counts] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.kafka)


@pytest.fixture
def record_counts() -> Iterator[list[Counts]]:
    """Append a case's Counts here; they are printed even when an assertion fails after."""
    rows: list[Counts] = []
    yield rows
    _rows.extend(rows)


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A broker of this test's own, which the test may stop and start again."""
    broker = LocalBroker(broker_settings(tmp_path_factory))
    try:
        broker.start(timeout=120.0)
        yield broker
    finally:
        broker.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _rows:
        return
    header = ("case", "sent", "acked", "delivered", "duplicated", "lost", "note")
    table = [header] + [
        (
            r.case,
            str(r.sent),
            str(r.acked),
            str(r.delivered),
            str(r.duplicated),
            str(r.lost),
            r.note,
        )
        for r in _rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    terminalreporter.section("fault suite: message counts")
    for n, row in enumerate(table):
        terminalreporter.write_line(
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            + " |"
        )
        if n == 0:
            terminalreporter.write_line("|" + "|".join("-" * (w + 2) for w in widths) + "|")

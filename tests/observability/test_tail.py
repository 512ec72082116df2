"""The live tail and the app-log ring: what they keep, how they page, what they mask."""

from __future__ import annotations

import json

from daprlite.model.contracts import BindingEvent, InvokeRequest
from daprlite.model.redaction import MASK
from daprlite.observability.app_log import AppLog
from daprlite.observability.tail import PREVIEW_CHARS, MessageTail

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_output_calls_and_input_attempts_are_kept_with_their_coordinates() -> None:
    tail = MessageTail()
    request = InvokeRequest(
        b'{"orderId":1}', {"key": "k1", "traceparent": TRACEPARENT, "apiToken": "s3cr3t"}, "create"
    )
    tail.output_invoked("orders", request, 0.0021, None)
    event = BindingEvent(
        b"x" * 5000,
        {"__key": "k1", "__topic": "t", "__partition": "2", "__offset": "41", "Authorization": "b"},
    )
    tail.input_delivered("orders", event, 2, 0.003, "status 500")

    got = tail.since(0)
    first, second = got["messages"]
    assert got["next"] == second["seq"] > first["seq"]
    assert first["direction"] == "output" and first["operation"] == "create"
    assert first["key"] == "k1" and first["ok"] and first["durationMs"] == 2.1
    assert first["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert first["headers"]["apiToken"] == MASK
    assert second["direction"] == "input" and second["attempt"] == 2
    assert (second["topic"], second["partition"], second["offset"]) == ("t", "2", "41")
    assert not second["ok"] and second["error"] == "status 500"
    assert second["size"] == 5000 and len(second["value"]) == PREVIEW_CHARS
    assert second["traceId"] == ""
    rendered = json.dumps(got)
    assert "s3cr3t" not in rendered and '"b"' not in rendered


def test_since_pages_from_the_last_seq_and_the_ring_is_bounded() -> None:
    tail = MessageTail(size=3)
    for n in range(5):
        tail.output_invoked("orders", InvokeRequest(str(n).encode(), {}, "create"), 0.001, None)
    page = tail.since(0)
    assert [m["value"] for m in page["messages"]] == ["2", "3", "4"]
    assert tail.since(page["next"]) == {"next": page["next"], "messages": []}
    tail.output_invoked("orders", InvokeRequest(b"5", {}, "create"), 0.001, None)
    assert [m["value"] for m in tail.since(page["next"])["messages"]] == ["5"]


class Lines:
    def __init__(self) -> None:
        self.got: list[bytes | str] = []

    def line(self, data: bytes | str) -> None:
        self.got.append(data)


def test_app_log_passes_lines_on_and_keeps_the_last_ones() -> None:
    printer = Lines()
    log = AppLog(printer, size=2)
    for text in (b"one\n", b"two\r\n", "three"):
        log.line(text)
    assert printer.got == [b"one\n", b"two\r\n", "three"]
    page = log.since(0)
    assert [line["text"] for line in page["lines"]] == ["two", "three"]
    assert log.since(page["next"])["lines"] == []

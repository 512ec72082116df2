"""The live tail: the last messages each binding sent or delivered, for the dashboard.

An Observer like the metrics: each output call and each input delivery attempt appends one
entry to a bounded ring. Only references are kept on the hot path; an entry is turned into
plain values (and its secret-looking headers masked) when someone asks for the tail.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, NamedTuple

from daprlite.model.contracts import BindingEvent, InvokeRequest
from daprlite.model.observer import NoObserver
from daprlite.model.redaction import masked
from daprlite.model.tracing import parse_traceparent

TAIL_SIZE = 500
PREVIEW_CHARS = 512
# Where a Kafka input event names its record (bindings/kafka/partition.event_metadata).
_INPUT_COORDINATES = ("__key", "__topic", "__partition", "__offset")
# Where an output request names its record's key (Kafka: partitionKey, then __key).
_OUTPUT_KEYS = ("partitionKey", "__key", "key")


class _Seen(NamedTuple):
    seq: int
    time: float
    binding: str
    message: InvokeRequest | BindingEvent
    attempt: int
    seconds: float
    error: str | None


class MessageTail(NoObserver):
    """An Observer of the messages only (retries and stalls are the metrics' business);
    `since(seq)` is what the dashboard polls."""

    def __init__(self, size: int = TAIL_SIZE) -> None:
        self._seen: deque[_Seen] = deque(maxlen=size)
        self._seq = itertools.count(1)

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        self._seen.append(_Seen(next(self._seq), time.time(), binding, request, 1, seconds, error))

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        entry = _Seen(next(self._seq), time.time(), binding, event, attempt, seconds, error)
        self._seen.append(entry)

    def since(self, after: int) -> dict[str, Any]:
        """Entries newer than `after`, oldest first, and the seq to ask from next time."""
        entries = [plain(seen) for seen in list(self._seen) if seen.seq > after]
        return {"next": entries[-1]["seq"] if entries else after, "messages": entries}


def plain(seen: _Seen) -> dict[str, Any]:
    message = seen.message
    is_output = isinstance(message, InvokeRequest)
    metadata = message.metadata
    if is_output:
        key = next((metadata[k] for k in _OUTPUT_KEYS if metadata.get(k)), None)
        topic, partition, offset = metadata.get("topic"), None, None
    else:
        key, topic, partition, offset = (metadata.get(name) for name in _INPUT_COORDINATES)
    return {
        "seq": seen.seq,
        "time": seen.time,
        "binding": seen.binding,
        "direction": "output" if is_output else "input",
        "operation": message.operation if isinstance(message, InvokeRequest) else "",
        "attempt": seen.attempt,
        "key": key,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "headers": masked(metadata),
        "value": message.data[: PREVIEW_CHARS * 4].decode("utf-8", "replace")[:PREVIEW_CHARS],
        "size": len(message.data),
        "ok": seen.error is None,
        "error": seen.error or "",
        "durationMs": round(seen.seconds * 1000.0, 3),
        "traceId": _trace_id(metadata),
    }


def _trace_id(metadata: Mapping[str, str]) -> str:
    parent = parse_traceparent(metadata.get("traceparent", ""))
    return f"{parent.trace_id:032x}" if parent is not None else ""

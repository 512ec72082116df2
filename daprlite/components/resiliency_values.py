"""The fields of a Resiliency resource read the way daprd decodes them (YAML turned into JSON
into Go structs, then dapr/kit's decoder), each problem recorded with its file:line.

Text fields must be YAML strings (Go refuses a number or a bool for a string field); a duration
is a whole number of milliseconds or a Go duration; keys match in any letter case; a key daprd
does not know is ignored with a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from daprlite.gocompat.duration import DurationError, parse_duration_nanos
from daprlite.model.errors import Problem
from daprlite.model.resiliency import BreakerSpec, CodeRange, RetrySpec
from daprlite.resiliency.retry_codes import GRPC_CODES, HTTP_CODES, parse_codes
from daprlite.resiliency.trip import TripError, compile_trip

log = logging.getLogger("daprlite.components")

_TAG = "tag:yaml.org,2002:"
_GO_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_INT64 = 1 << 63
_RETRY_KEYS = ("policy", "duration", "maxInterval", "maxRetries", "matching")
_MATCHING_KEYS = ("httpStatusCodes", "gRPCStatusCodes")
_BREAKER_KEYS = ("maxRequests", "interval", "timeout", "trip")
Codes = tuple[CodeRange, ...] | None


class Fields(dict[str, Node]):
    """A mapping's values by key; `get` falls back to any letter case, as Go's JSON does."""

    def get(self, key: str, default: Node | None = None) -> Node | None:  # type: ignore[override]
        if key in self:
            return self[key]
        lower = key.lower()
        return next((v for k, v in self.items() if k.lower() == lower), default)


class FieldReader:
    def __init__(self, file: Path, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.file, node.start_mark.line + 1, message))

    def mapping(
        self, node: Node | None, label: str, known: Iterable[str] | None = None
    ) -> Fields | None:
        """The mapping at `node` ({} when absent or null); None, with a problem, when it is
        something else. With `known`, other keys are warned about."""
        if node is None or _is_null(node):
            return Fields()
        if not isinstance(node, MappingNode):
            self.problem(node, f"{label} must be a mapping")
            return None
        fields = Fields((k.value, v) for k, v in node.value if isinstance(k, ScalarNode))
        if known is not None:
            expected = {key.lower() for key in known}
            for key, value in fields.items():
                if key.lower() not in expected:
                    where = f"{self.file}:{value.start_mark.line + 1}"
                    log.warning("%s: %s.%s is not a field daprd reads; ignored", where, label, key)
        return fields

    def text(self, node: Node | None, label: str) -> str:
        if node is None or _is_null(node):
            return ""
        if not isinstance(node, ScalarNode) or node.tag != _TAG + "str":
            self.problem(node, f"{label} must be text (quote it: daprd reads it as a string)")
            return ""
        return str(node.value)

    def names(self, node: Node | None, label: str) -> tuple[str, ...]:
        if node is None or _is_null(node):
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{label} must be a list of app ids")
            return ()
        return tuple(self.text(item, f"{label}[]") for item in node.value)

    def integer(self, node: Node, label: str, minimum: int) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != _TAG + "int":
            self.problem(node, f"{label} must be a whole number")
            return None
        value = SafeConstructor().construct_object(node)
        assert isinstance(value, int)
        if value < minimum:
            self.problem(node, f"{label} must be at least {minimum}, not {value}")
            return None
        return value

    def duration(self, node: Node, label: str, *, allow_negative: bool = True) -> float | None:
        """Seconds; daprd reads a bare number as milliseconds, else a Go duration."""
        text = self.text(node, label)
        if not text:
            if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
                self.problem(node, f"{label} is empty; give a duration such as 5s or 500ms")
            return None
        if _GO_INT.fullmatch(text) and -_INT64 <= int(text) < _INT64:
            seconds = int(text) / 1000
        else:
            try:
                seconds = parse_duration_nanos(text) / 1e9
            except DurationError as exc:
                self.problem(node, f"{label}: {exc.go_text} (e.g. 5s, 500ms, or milliseconds)")
                return None
        if seconds < 0 and not allow_negative:
            self.problem(node, f"{label} must not be negative ({text})")
            return None
        return seconds

    def retry(self, node: Node, label: str) -> RetrySpec | None:
        fields = self.mapping(node, label, _RETRY_KEYS)
        if fields is None:
            return None
        before = len(self.problems)
        base = RetrySpec()
        policy: str = base.policy
        if (policy_node := fields.get("policy")) is not None:
            written = self.text(policy_node, f"{label}.policy")
            if written.lower() in ("constant", "exponential"):
                policy = written.lower()
            elif written:
                self.problem(
                    policy_node,
                    f"{label}.policy: unexpected back off policy type: {written} "
                    "(constant or exponential)",
                )
        duration = self._optional_duration(fields, "duration", label, base.duration)
        max_interval = self._optional_duration(fields, "maxInterval", label, base.max_interval)
        max_retries = base.max_retries
        if (retries := fields.get("maxRetries")) is not None and not _is_null(retries):
            max_retries = self.integer(retries, f"{label}.maxRetries", -_INT64) or 0
        http_codes, grpc_codes = self._matching(fields.get("matching"), label)
        if len(self.problems) > before:
            return None
        return RetrySpec(
            policy="exponential" if policy == "exponential" else "constant",
            duration=duration,
            max_interval=max_interval,
            max_retries=max_retries,
            http_codes=http_codes,
            grpc_codes=grpc_codes,
        )

    def _optional_duration(self, fields: Fields, key: str, label: str, default: float) -> float:
        node = fields.get(key)
        # An empty text is left out of daprd's JSON (omitempty), so the default stays.
        if node is None or _is_null(node) or (isinstance(node, ScalarNode) and node.value == ""):
            return default
        value = self.duration(node, f"{label}.{key}")
        return default if value is None else value

    def _matching(self, node: Node | None, label: str) -> tuple[Codes, Codes]:
        fields = self.mapping(node, f"{label}.matching", _MATCHING_KEYS)
        found: list[Codes] = []
        for key, valid in (("httpStatusCodes", HTTP_CODES), ("gRPCStatusCodes", GRPC_CODES)):
            codes_node = fields.get(key) if fields else None
            text = self.text(codes_node, f"{label}.matching.{key}")
            try:
                found.append(parse_codes(text, valid))
            except ValueError as exc:
                assert codes_node is not None
                self.problem(codes_node, f"{label}.matching.{key}: {exc}")
                found.append(None)
        return found[0], found[1]

    def breaker(self, node: Node, label: str) -> BreakerSpec | None:
        fields = self.mapping(node, label, _BREAKER_KEYS)
        if fields is None:
            return None
        before = len(self.problems)
        max_requests = 0
        if (requests := fields.get("maxRequests")) is not None and not _is_null(requests):
            max_requests = self.integer(requests, f"{label}.maxRequests", 0) or 0
        interval = self._optional_duration(fields, "interval", label, 0.0)
        timeout = self._optional_duration(fields, "timeout", label, 0.0)
        trip_node = fields.get("trip")
        trip = self.text(trip_node, f"{label}.trip")
        if trip and trip_node is not None:
            try:
                compile_trip(trip)
            except TripError as exc:
                self.problem(trip_node, f"{label}.trip: {exc}")
        if len(self.problems) > before:
            return None
        return BreakerSpec(max_requests, interval, timeout, trip)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"

"""A retry policy's `matching`: which HTTP and gRPC status codes are retried (daprd's
RetryConditionMatch), parsed from "500,502-504" and applied to a failed attempt's code."""

from __future__ import annotations

from daprlite.model.resiliency import CodeRange, RetrySpec

HTTP_CODES: CodeRange = (100, 599)
GRPC_CODES: CodeRange = (0, 16)


def parse_codes(patterns: str, valid: CodeRange) -> tuple[CodeRange, ...] | None:
    """The ranges in `patterns` (None for "": every code is retried); ValueError with daprd's
    reason for a bad one."""
    if patterns == "":
        return None
    ranges = []
    for pattern in patterns.split(","):
        if pattern:  # daprd skips empty entries ("500,,502")
            ranges.append(_range(pattern, valid))
    return tuple(ranges)


def _range(pattern: str, valid: CodeRange) -> CodeRange:
    parts = pattern.split("-")
    if len(parts) > 2:
        raise ValueError(f"invalid pattern {pattern}, more than one '-' exists")
    start = _code(parts[0], pattern, "start")
    if not valid[0] <= start <= valid[1]:
        raise ValueError(f"invalid pattern {pattern}, start code {start} is not valid")
    end = _code(parts[1], pattern, "end") if len(parts) == 2 else start
    if not valid[0] <= end <= valid[1]:
        raise ValueError(f"invalid pattern {pattern}, end code {end} is not valid")
    if end < start:
        raise ValueError(f"invalid pattern {pattern}, start value should not bigger than end value")
    return (start, end)


def _code(text: str, pattern: str, which: str) -> int:
    # Go's strconv.Atoi: an optional sign and ASCII digits, nothing else (no spaces).
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(f"failed to parse {which} code {text} from pattern {pattern} to int")
    return int(text)


def needs_retry(spec: RetrySpec, status: int) -> bool:
    """daprd's statusCodeNeedRetry: 0-16 are gRPC codes, 100-599 HTTP ones, others never."""
    if GRPC_CODES[0] <= status <= GRPC_CODES[1]:
        ranges = spec.grpc_codes
    elif HTTP_CODES[0] <= status <= HTTP_CODES[1]:
        ranges = spec.http_codes
    else:
        return False
    return ranges is None or any(low <= status <= high for low, high in ranges)

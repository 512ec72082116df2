"""Dapr's TTL rule for `ttl` / `ttlInSeconds` values (components-contrib TryGetTTL): a Go
duration, else a whole number of seconds that must be above zero."""

from __future__ import annotations

from collections.abc import Mapping

from daprlite.gocompat.duration import parse_duration_nanos
from daprlite.gocompat.strconv import NumError, parse_int

_KEYS = ("ttl", "ttlinseconds")
_INT64_MAX = (1 << 63) - 1


def ttl_nanos(raw: str) -> int:
    """The TTL in nanoseconds; ValueError with Dapr's wording when it is not one."""
    try:
        # A negative duration counts as zero (the message expires at once).
        return max(parse_duration_nanos(raw), 0)
    except ValueError:
        pass
    try:
        seconds = parse_int(raw, 64)
    except NumError:
        raise ValueError(f"ttl value must be a valid integer: actual is '{raw}'") from None
    if seconds <= 0:
        raise ValueError(f"ttl value must be higher than zero: actual is '{seconds}'")
    # Go's multiplication wraps past int64; Dapr then takes the largest duration.
    return min(seconds * 1_000_000_000, _INT64_MAX)


def request_ttl_ms(metadata: Mapping[str, str]) -> int | None:
    """The per-message expiration a request asks for, in milliseconds (keys matched without
    regard to case, `ttl` before `ttlInSeconds`), or None."""
    lowered = {key.lower(): value for key, value in metadata.items()}
    for key in _KEYS:
        if key in lowered:
            raw = lowered[key]
            return None if raw == "" else ttl_nanos(raw) // 1_000_000
    return None

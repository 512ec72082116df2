"""The time-to-live of one request, as components-contrib's TryGetTTL reads it and the Redis
binding turns it into whole seconds for EXPIRE."""

from __future__ import annotations

from collections.abc import Mapping

from daprlite.gocompat.duration import DurationError, parse_duration_nanos
from daprlite.gocompat.strconv import NumError, parse_int
from daprlite.model.errors import BindingInvokeError

KEYS = ("ttl", "ttlInSeconds")  # looked up in this order, each case-insensitively
_NANOS = 1_000_000_000
_INT64_MAX = (1 << 63) - 1


def expire_seconds(metadata: Mapping[str, str]) -> int | None:
    """The seconds argument daprd's EXPIRE would get, or None when no TTL was asked for.

    A Go duration (`90s`, `1.5s`, `-1m`) or else a whole number of seconds above zero. The
    seconds are truncated (`1.5s` is 1, `500ms` is 0) and a negative duration is 0, so such
    a TTL removes the key at once, as it does in daprd.
    """
    value = _lookup(metadata)
    if not value:
        return None
    try:
        nanos = max(parse_duration_nanos(value), 0)
    except DurationError:
        nanos = _whole_seconds(value)
    # Go's int(d.Seconds()): the float of seconds, truncated.
    whole, rest = divmod(nanos, _NANOS)
    return int(float(whole) + float(rest) / 1e9)


def _lookup(metadata: Mapping[str, str]) -> str:
    lowered = {key.lower(): value for key, value in metadata.items()}
    for key in KEYS:
        if key.lower() in lowered:
            return lowered[key.lower()]  # present but empty still wins: no TTL then
    return ""


def _whole_seconds(value: str) -> int:
    try:
        seconds = parse_int(value, 64)
    except NumError:
        raise BindingInvokeError(
            f"ttl value must be a valid integer: actual is '{value}'"
        ) from None
    if seconds <= 0:
        raise BindingInvokeError(f"ttl value must be higher than zero: actual is '{seconds}'")
    # Go multiplies in int64 and wraps; a product that turns negative becomes the maximum.
    nanos = (seconds * _NANOS) & ((1 << 64) - 1)
    if nanos > _INT64_MAX:
        nanos -= 1 << 64
    return _INT64_MAX if nanos < 0 else nanos

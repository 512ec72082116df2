"""PostgreSQL's date and time texts (DateStyle ISO, IntervalStyle postgres, the defaults) read
into what pgx decodes them to, and written as Go's JSON writes those values.

pgx gives `date` and `timestamp` as UTC times, `timestamptz` in the sidecar's local zone,
`time` and `interval` as structs, and infinities as its InfinityModifier number (1 or -1).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from daprlite.gocompat.timejson import days_from_civil, format_time

LocalOffset = Callable[[int], int]  # Unix seconds -> the local UTC offset in seconds then

_DATE = re.compile(r"(\d+)-(\d\d)-(\d\d)( BC)?")
_STAMP = re.compile(
    r"(\d+)-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
    r"(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?"
)
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_INFINITY = {"infinity": "1", "-infinity": "-1"}
_MICROS_PER_SECOND = 1_000_000


def system_offset(unix_seconds: int) -> int:
    """The offset Go's time.Local would use at that instant (same TZ/zoneinfo source)."""
    try:
        return time.localtime(unix_seconds).tm_gmtoff
    except (OverflowError, OSError, ValueError):
        return 0


def date_json(text: str) -> str:
    if text in _INFINITY:
        return _INFINITY[text]
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"unexpected date text {text!r} (daprlite reads DateStyle ISO)")
    days = days_from_civil(_year(match.group(1), match.group(4)), *map(int, match.group(2, 3)))
    return _quoted(format_time(days * 86_400))


def timestamp_json(text: str, local_offset: LocalOffset | None = None) -> str:
    """`timestamp` (no zone: shown in UTC) or, with `local_offset`, `timestamptz`."""
    if text in _INFINITY:
        return _INFINITY[text]
    match = _STAMP.fullmatch(text)
    if match is None:
        raise ValueError(f"unexpected timestamp text {text!r} (daprlite reads DateStyle ISO)")
    year = _year(match.group(1), match.group(12))
    month, day, hour, minute, second = map(int, match.group(2, 3, 4, 5, 6))
    nanos = int((match.group(7) or "0").ljust(9, "0"))
    unix = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    if match.group(8):  # the server wrote its own zone's offset: back to UTC first
        zone = int(match.group(9)) * 3600 + int(match.group(10) or 0) * 60
        zone += int(match.group(11) or 0)
        unix -= zone if match.group(8) == "+" else -zone
    offset = local_offset(unix) if local_offset else 0
    return _quoted(format_time(unix, nanos, offset))


def time_json(text: str) -> str:
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"unexpected time text {text!r}")
    hour, minute, second = map(int, match.group(1, 2, 3))
    micros = (hour * 3600 + minute * 60 + second) * _MICROS_PER_SECOND
    micros += int((match.group(4) or "0").ljust(6, "0"))
    return f'{{"Microseconds":{micros},"Valid":true}}'


_UNITS = {"year": 12, "years": 12, "mon": 1, "mons": 1}


def interval_json(text: str) -> str:
    """IntervalStyle postgres: `1 year 2 mons -3 days +04:05:06.5`."""
    months = days = micros = 0
    tokens = text.split()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if ":" in token:
            micros = _clock_micros(token, text)
            index += 1
            continue
        if index + 1 >= len(tokens) or not re.fullmatch(r"[+-]?\d+", token):
            raise ValueError(
                f"unexpected interval text {text!r} (daprlite reads IntervalStyle postgres)"
            )
        number, unit = int(token), tokens[index + 1]
        if unit in _UNITS:
            months += number * _UNITS[unit]
        elif unit in ("day", "days"):
            days += number
        else:
            raise ValueError(f"unexpected interval text {text!r}")
        index += 2
    return f'{{"Microseconds":{micros},"Days":{days},"Months":{months},"Valid":true}}'


def _clock_micros(token: str, text: str) -> int:
    match = re.fullmatch(r"([+-]?)(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?", token)
    if match is None:
        raise ValueError(f"unexpected interval text {text!r}")
    hours, minutes, seconds = map(int, match.group(2, 3, 4))
    micros = (hours * 3600 + minutes * 60 + seconds) * _MICROS_PER_SECOND
    micros += int((match.group(5) or "0").ljust(6, "0"))
    return -micros if match.group(1) == "-" else micros


def _year(digits: str, bc: str | None) -> int:
    # PostgreSQL has no year 0: 1 BC is Go's (ISO 8601's) year 0.
    return 1 - int(digits) if bc else int(digits)


def _quoted(text: str) -> str:
    return f'"{text}"'

"""Go's `time.Time` as `json.Marshal` writes it (RFC 3339 with nanoseconds, trailing zeros cut).

Works on Unix seconds rather than `datetime`, because Go's range is wider than Python's: year 0
(1 BC) is valid JSON in Go, and PostgreSQL can hold it.
"""

from __future__ import annotations

_SECONDS_PER_DAY = 86_400
YEAR_RANGE_ERROR = (
    "json: error calling MarshalJSON for type time.Time: "
    "Time.MarshalJSON: year outside of range [0,9999]"
)


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the proleptic Gregorian calendar, `days` after 1970-01-01.

    Year 0 is 1 BC, -1 is 2 BC, as in Go and in ISO 8601.
    """
    # Howard Hinnant's days-to-civil algorithm, in 400-year eras.
    z = days + 719_468
    era = z // 146_097
    day_of_era = z - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (the inverse of civil_from_days)."""
    year -= 1 if month <= 2 else 0
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def format_time(unix_seconds: int, nanos: int = 0, offset_seconds: int = 0) -> str:
    """The text inside the quotes Go's `Time.MarshalJSON` writes for that instant shown at that
    UTC offset. Raises ValueError with Go's message for a year outside 0..9999.

    Go writes `Z` for a zero offset and `±hh:mm` otherwise, dropping an offset's seconds (the
    local mean times before standard zones, e.g. +05:53:28 in Kolkata before 1854).
    """
    local = unix_seconds + offset_seconds
    days, second_of_day = divmod(local, _SECONDS_PER_DAY)
    year, month, day = civil_from_days(days)
    if not 0 <= year <= 9999:
        raise ValueError(YEAR_RANGE_ERROR)
    hour, rest = divmod(second_of_day, 3600)
    minute, second = divmod(rest, 60)
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if nanos:
        text += f".{nanos:09d}".rstrip("0")
    if offset_seconds == 0:
        return text + "Z"
    # Go divides the offset into whole minutes toward zero and takes the sign from that.
    zone_minutes = abs(offset_seconds) // 60 * (1 if offset_seconds > 0 else -1)
    sign = "-" if zone_minutes < 0 else "+"
    hours, minutes = divmod(abs(zone_minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"

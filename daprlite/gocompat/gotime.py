"""Go's time.Time where daprd's behaviour depends on it: an instant in a Location, time.Date's
normalisation (and which instant it picks in a DST gap or overlap), AddDate, Truncate, String().

Instants are whole Unix nanoseconds, as Go holds them; zone offsets come from the same tz
database files Go reads (see zoneload.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC as _UTC_ZONE
from datetime import date, datetime, tzinfo

_NANOS = 1_000_000_000
_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_FIRST = int(datetime(1, 1, 2, tzinfo=_UTC_ZONE).timestamp())
_LAST = int(datetime(9999, 12, 30, tzinfo=_UTC_ZONE).timestamp())


@dataclass(frozen=True, eq=False, slots=True)
class Location:
    """A *time.Location. Compared by identity, as Go compares the pointers; `local` marks
    time.Local, which a cron schedule treats as "the zone of the time given"."""

    name: str
    zone: tzinfo
    local: bool = False

    def __str__(self) -> str:
        return self.name

    def offset(self, unix: int) -> int:
        """Seconds east of UTC in force at the Unix second `unix`."""
        delta = self._at(unix).utcoffset()
        return 0 if delta is None else int(delta.total_seconds())

    def abbreviation(self, unix: int) -> str:
        return self._at(unix).tzname() or ""

    def _at(self, unix: int) -> datetime:
        # Go's range is wider than datetime's; past it the outermost offset still holds.
        return datetime.fromtimestamp(min(max(unix, _FIRST), _LAST), self.zone)


UTC = Location("UTC", _UTC_ZONE)


@dataclass(frozen=True, slots=True)
class GoTime:
    """A time.Time without a monotonic reading: `unix_nanos` since 1970 UTC, shown in `location`."""

    unix_nanos: int
    location: Location

    @property
    def unix(self) -> int:
        return self.unix_nanos // _NANOS

    @property
    def nanosecond(self) -> int:
        return self.unix_nanos % _NANOS

    def _wall(self) -> tuple[date, int]:
        """The local calendar day and the seconds into it."""
        days, seconds = divmod(self.unix + self.location.offset(self.unix), _DAY)
        return date.fromordinal(_EPOCH_ORDINAL + days), seconds

    @property
    def year(self) -> int:
        return self._wall()[0].year

    @property
    def month(self) -> int:
        return self._wall()[0].month

    @property
    def day(self) -> int:
        return self._wall()[0].day

    @property
    def weekday(self) -> int:
        """Sunday is 0, as time.Weekday counts."""
        return (self._wall()[0].weekday() + 1) % 7

    @property
    def hour(self) -> int:
        return self._wall()[1] // 3600

    @property
    def minute(self) -> int:
        return self._wall()[1] // 60 % 60

    @property
    def second(self) -> int:
        return self._wall()[1] % 60

    def add(self, nanos: int) -> GoTime:
        return GoTime(self.unix_nanos + nanos, self.location)

    def add_date(self, years: int, months: int, days: int) -> GoTime:
        day, seconds = self._wall()
        return go_date(
            day.year + years,
            day.month + months,
            day.day + days,
            seconds // 3600,
            seconds // 60 % 60,
            seconds % 60,
            self.nanosecond,
            self.location,
        )

    def truncate(self, nanos: int) -> GoTime:
        """Rounded down to a multiple of `nanos` since Go's zero time (for whole seconds and
        minutes that is the Unix epoch too): an instant rule, blind to the zone's offset."""
        if nanos <= 0:
            return self
        return GoTime(self.unix_nanos - self.unix_nanos % nanos, self.location)

    def in_location(self, location: Location) -> GoTime:
        return GoTime(self.unix_nanos, location)

    def string(self) -> str:
        """time.Time.String(): `2006-01-02 15:04:05.999999999 -0700 MST`."""
        day, seconds = self._wall()
        fraction = f".{self.nanosecond:09d}".rstrip("0").rstrip(".")
        offset = self.location.offset(self.unix)
        minutes = abs(offset) // 60  # Go drops the seconds of an offset such as LMT's
        zone = self.location.abbreviation(self.unix)
        if not zone:
            zone = f"{'-' if offset < 0 else '+'}{minutes // 60:02d}{minutes % 60:02d}"
        return (
            f"{day.year:04d}-{day.month:02d}-{day.day:02d} "
            f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{fraction} "
            f"{'-' if offset < 0 else '+'}{minutes // 60:02d}{minutes % 60:02d} {zone}"
        )


def go_date(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    nanos: int,
    location: Location,
) -> GoTime:
    """time.Date: out-of-range fields carry into the next larger one (month 13 is January of
    the next year, day 0 the last of the previous month), then the wall time is placed in
    `location`. A wall time a DST change skips or repeats gets the instant Go gives it: the
    offset in force at `wall - offset(wall)`, reading the wall time as if it were UTC."""
    year, month0 = year + (month - 1) // 12, (month - 1) % 12
    second, nanos = second + nanos // _NANOS, nanos % _NANOS
    minute, second = minute + second // 60, second % 60
    hour, minute = hour + minute // 60, minute % 60
    day, hour = day + hour // 24, hour % 24
    days = date(year, month0 + 1, 1).toordinal() - _EPOCH_ORDINAL + day - 1
    wall = days * _DAY + hour * 3600 + minute * 60 + second
    offset = location.offset(wall - location.offset(wall))
    return GoTime((wall - offset) * _NANOS + nanos, location)

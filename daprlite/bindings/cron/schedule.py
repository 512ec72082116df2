"""The two kinds of cron schedule and when each fires next, as dapr/kit's cron computes it.

A field schedule holds one bit per allowed value (bit 63 marks a field written as `*` or `?`);
`@every` is a constant delay. `next_after` is pure: give it a time, get the next firing or None.
"""

from __future__ import annotations

from dataclasses import dataclass

from daprlite.gocompat.gotime import GoTime, Location, go_date

SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
STAR_BIT = 1 << 63


@dataclass(frozen=True, slots=True)
class Bounds:
    low: int
    high: int
    names: tuple[tuple[str, int], ...] = ()


def _named(words: str, first: int) -> tuple[tuple[str, int], ...]:
    return tuple((word, first + n) for n, word in enumerate(words.split()))


SECONDS = Bounds(0, 59)
MINUTES = Bounds(0, 59)
HOURS = Bounds(0, 23)
DAYS_OF_MONTH = Bounds(1, 31)
MONTHS = Bounds(1, 12, _named("jan feb mar apr may jun jul aug sep oct nov dec", 1))
DAYS_OF_WEEK = Bounds(0, 6, _named("sun mon tue wed thu fri sat", 0))


def bits(low: int, high: int, step: int = 1) -> int:
    """The bits low, low+step, ... up to high."""
    found = 0
    for value in range(low, high + 1, step):
        found |= 1 << value
    return found


def every_value(bounds: Bounds) -> int:
    """A field written `*`: every bit in bounds, plus the star bit."""
    return bits(bounds.low, bounds.high) | STAR_BIT


@dataclass(frozen=True, slots=True)
class FieldSchedule:
    """A crontab line: the allowed seconds, minutes, hours, days, months and weekdays."""

    second: int
    minute: int
    hour: int
    dom: int
    month: int
    dow: int
    location: Location

    def next_after(self, t: GoTime) -> GoTime | None:
        """The first firing strictly after `t`, in t's location; None if none within 5 years.

        Each field is matched from the largest down; moving one field resets the smaller ones,
        and running off its end starts the search again from the month. Days walk by the
        calendar (AddDate), hours and smaller by elapsed time, as kit's cron does, which is
        what decides DST: an hour a change skips never fires, one it repeats fires twice.
        """
        if not self._satisfiable():
            return None  # what kit reaches too, after walking five years of seconds
        origin = t.location
        zone = origin if self.location.local else self.location
        if not self.location.local:
            t = t.in_location(self.location)
        t = t.add(SECOND - t.nanosecond)  # from the next whole second on
        moved = False
        year_limit = t.year + 5
        while t.year <= year_limit:
            t, moved, wrapped = self._match(t, zone, moved)
            if not wrapped:
                return t.in_location(origin)
        return None

    def _match(self, t: GoTime, zone: Location, moved: bool) -> tuple[GoTime, bool, bool]:
        """One pass over the fields: (time, moved, wrapped). `wrapped` means a field ran off
        its end and the search starts again from the month (kit's `goto WRAP`)."""
        while not (1 << t.month) & self.month:
            if not moved:
                moved = True
                t = go_date(t.year, t.month, 1, 0, 0, 0, 0, zone)
            t = t.add_date(0, 1, 0)
            if t.month == 1:
                return t, moved, True
        while not self._day_matches(t):
            if not moved:
                moved = True
                t = go_date(t.year, t.month, t.day, 0, 0, 0, 0, zone)
            t = t.add_date(0, 0, 1)
            # Where DST makes midnight a time that does not exist, the day starts at 1am (or
            # 11pm the day before): step back to the day's real start.
            if t.hour != 0:
                t = t.add((24 - t.hour) * HOUR) if t.hour > 12 else t.add(-t.hour * HOUR)
            if t.day == 1:
                return t, moved, True
        while not (1 << t.hour) & self.hour:
            if not moved:
                moved = True
                t = go_date(t.year, t.month, t.day, t.hour, 0, 0, 0, zone)
            t = t.add(HOUR)
            if t.hour == 0:
                return t, moved, True
        while not (1 << t.minute) & self.minute:
            if not moved:
                moved = True
                t = t.truncate(MINUTE)
            t = t.add(MINUTE)
            if t.minute == 0:
                return t, moved, True
        while not (1 << t.second) & self.second:
            if not moved:
                moved = True
                t = t.truncate(SECOND)
            t = t.add(SECOND)
            if t.second == 0:
                return t, moved, True
        return t, moved, False

    def _satisfiable(self) -> bool:
        """False when a field allows no value at all (`,` is such a field)."""
        if not all(f & ~STAR_BIT for f in (self.second, self.minute, self.hour, self.month)):
            return False
        dom, dow = self.dom & ~STAR_BIT, self.dow & ~STAR_BIT
        if (self.dom | self.dow) & STAR_BIT:
            return bool(dom and dow)
        return bool(dom or dow)

    def _day_matches(self, t: GoTime) -> bool:
        # Both day fields restricted: either may match. Either one a star: both must.
        dom = bool((1 << t.day) & self.dom)
        dow = bool((1 << t.weekday) & self.dow)
        if self.dom & STAR_BIT or self.dow & STAR_BIT:
            return dom and dow
        return dom or dow


@dataclass(frozen=True, slots=True)
class EverySchedule:
    """`@every <duration>`: the delay after the time given, to the nanosecond, unrounded."""

    delay_nanos: int

    def next_after(self, t: GoTime) -> GoTime | None:
        return t.add(self.delay_nanos)


Schedule = FieldSchedule | EverySchedule

"""daprlite's Go time and text rules (gotime, zoneload, text, duration's exact form) held against
Go's own answers.

Every expected value was printed by Go 1.26 (time.Date, AddDate, Weekday, Truncate, String,
LoadLocation, time.Local, strconv.Atoi, strings.Fields/TrimSpace, time.ParseDuration) on this
machine's tz database; none was worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.gocompat.duration import DurationError, parse_duration_nanos
from daprlite.gocompat.gotime import UTC, GoTime, Location, go_date
from daprlite.gocompat.strconv import AtoiError, atoi
from daprlite.gocompat.text import fields, trim_space
from daprlite.gocompat.zoneload import LocationError, load_location, local_location
from tests.unit.test_gocompat import DURATION_REFUSALS, DURATIONS

NY = load_location("America/New_York")
LORD_HOWE = load_location("Australia/Lord_Howe")
SAO_PAULO = load_location("America/Sao_Paulo")
KOLKATA = load_location("Asia/Kolkata")


def rfc3339(t: GoTime) -> str:
    """Go's Format("2006-01-02T15:04:05.999999999Z07:00 MST")."""
    east = t.location.offset(t.unix)
    fraction = f".{t.nanosecond:09d}".rstrip("0").rstrip(".")
    size = abs(east)
    offset = (
        "Z" if east == 0 else f"{'-' if east < 0 else '+'}{size // 3600:02d}:{size // 60 % 60:02d}"
    )
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f"{fraction}{offset} {t.location.abbreviation(t.unix)}"
    )


# (year, month, day, hour, minute, second, nanos, zone), time.Date's result and its UnixNano
DATES = [
    # New York's spring-forward gap (02:00-03:00 does not exist on 2026-03-08)
    ((2026, 3, 8, 2, 30, 0, 0, NY), "2026-03-08T01:30:00-05:00 EST", 1772951400000000000),
    ((2026, 3, 8, 2, 0, 0, 0, NY), "2026-03-08T01:00:00-05:00 EST", 1772949600000000000),
    ((2026, 3, 8, 3, 0, 0, 0, NY), "2026-03-08T03:00:00-04:00 EDT", 1772953200000000000),
    ((2026, 3, 8, 1, 59, 59, 999999999, NY), "2026-03-08T01:59:59.999999999-05:00 EST",
     1772953199999999999),
    # New York's fall-back overlap (01:00-02:00 happens twice on 2026-11-01): the first one
    ((2026, 11, 1, 1, 30, 0, 0, NY), "2026-11-01T01:30:00-04:00 EDT", 1793511000000000000),
    ((2026, 11, 1, 1, 0, 0, 0, NY), "2026-11-01T01:00:00-04:00 EDT", 1793509200000000000),
    ((2026, 11, 1, 2, 0, 0, 0, NY), "2026-11-01T02:00:00-05:00 EST", 1793516400000000000),
    ((2026, 11, 1, 0, 59, 59, 0, NY), "2026-11-01T00:59:59-04:00 EDT", 1793509199000000000),
    # Lord Howe's half-hour changes, and Sao Paulo's missing midnight
    ((2026, 10, 4, 2, 15, 0, 0, LORD_HOWE), "2026-10-04T02:45:00+11:00 +11", 1791042300000000000),
    ((2026, 4, 5, 1, 45, 0, 0, LORD_HOWE), "2026-04-05T01:45:00+10:30 +1030",
     1775315700000000000),
    ((2018, 11, 4, 0, 0, 0, 0, SAO_PAULO), "2018-11-03T23:00:00-03:00 -03", 1541296800000000000),
    ((2018, 11, 4, 0, 30, 0, 0, SAO_PAULO), "2018-11-03T23:30:00-03:00 -03", 1541298600000000000),
    # fields out of range carry over
    ((2026, 13, 1, 0, 0, 0, 0, UTC), "2027-01-01T00:00:00Z UTC", 1798761600000000000),
    ((2026, 0, 1, 0, 0, 0, 0, UTC), "2025-12-01T00:00:00Z UTC", 1764547200000000000),
    ((2026, 3, 0, 0, 0, 0, 0, UTC), "2026-02-28T00:00:00Z UTC", 1772236800000000000),
    ((2024, 2, 30, 0, 0, 0, 0, UTC), "2024-03-01T00:00:00Z UTC", 1709251200000000000),
    ((2026, 1, 1, 24, 0, 0, 0, UTC), "2026-01-02T00:00:00Z UTC", 1767312000000000000),
    ((2026, 1, 1, -1, 0, 0, 0, UTC), "2025-12-31T23:00:00Z UTC", 1767222000000000000),
    ((2026, 1, 1, 0, 0, 0, -1, UTC), "2025-12-31T23:59:59.999999999Z UTC", 1767225599999999999),
    ((2026, 1, 1, 0, 61, 61, 1500000000, UTC), "2026-01-01T01:02:02.5Z UTC",
     1767229322500000000),
    ((2026, -11, 1, 0, 0, 0, 0, UTC), "2025-01-01T00:00:00Z UTC", 1735689600000000000),
    ((2026, 1, -40, 0, 0, 0, 0, UTC), "2025-11-21T00:00:00Z UTC", 1763683200000000000),
    ((2026, 1, 1, 0, -90, 0, 0, NY), "2025-12-31T22:30:00-05:00 EST", 1767238200000000000),
    # local mean time: an offset with seconds (-4:56:02)
    ((1850, 1, 1, 0, 0, 0, 0, NY), "1850-01-01T00:00:00-04:56 LMT", -3786807838000000000),
]  # fmt: skip


@pytest.mark.parametrize(("fields_", "shown", "unix_nanos"), DATES)
def test_date(fields_: tuple[int, ...], shown: str, unix_nanos: int) -> None:
    *numbers, zone = fields_
    t = go_date(*numbers, zone)
    assert (rfc3339(t), t.unix_nanos) == (shown, unix_nanos)


ADD_DATES = [
    (go_date(2026, 1, 31, 12, 0, 0, 0, UTC), (0, 1, 0), "2026-03-03T12:00:00Z UTC"),
    (go_date(2026, 1, 31, 12, 0, 0, 0, UTC), (0, 0, 1), "2026-02-01T12:00:00Z UTC"),
    (go_date(2026, 3, 7, 2, 30, 0, 0, NY), (0, 1, 0), "2026-04-07T02:30:00-04:00 EDT"),
    (go_date(2026, 1, 31, 12, 0, 0, 0, UTC), (1, 0, 0), "2027-01-31T12:00:00Z UTC"),
]


@pytest.mark.parametrize(("base", "delta", "shown"), ADD_DATES)
def test_add_date(base: GoTime, delta: tuple[int, int, int], shown: str) -> None:
    assert rfc3339(base.add_date(*delta)) == shown


@pytest.mark.parametrize(
    ("t", "weekday"),
    [
        (go_date(2026, 8, 21, 0, 0, 0, 0, UTC), 5),
        (go_date(2026, 8, 23, 23, 0, 0, 0, NY), 0),
        (go_date(1970, 1, 1, 0, 0, 0, 0, UTC), 4),
    ],
)
def test_weekday(t: GoTime, weekday: int) -> None:
    assert t.weekday == weekday


# (t, t.Truncate(time.Minute), t.Truncate(time.Second)): instants, blind to the offset
TRUNCATIONS = [
    (go_date(2026, 8, 21, 10, 17, 42, 123456789, KOLKATA), "2026-08-21T10:17:00+05:30 IST",
     "2026-08-21T10:17:42+05:30 IST"),
    (go_date(1850, 1, 1, 0, 0, 30, 5, NY), "1849-12-31T23:59:58-04:56 LMT",
     "1850-01-01T00:00:30-04:56 LMT"),
    (GoTime(-10**9 + 500, UTC), "1969-12-31T23:59:00Z UTC", "1969-12-31T23:59:59Z UTC"),
]  # fmt: skip


@pytest.mark.parametrize(("t", "to_minute", "to_second"), TRUNCATIONS)
def test_truncate(t: GoTime, to_minute: str, to_second: str) -> None:
    minute, second = 60 * 10**9, 10**9
    assert (rfc3339(t.truncate(minute)), rfc3339(t.truncate(second))) == (to_minute, to_second)


# (Unix seconds, nanoseconds, zone, time.Unix(s, ns).In(zone).String())
STRINGS = [
    (0, 0, UTC, "1970-01-01 00:00:00 +0000 UTC"),
    (1787313600, 0, UTC, "2026-08-21 12:00:00 +0000 UTC"),
    (1787313600, 500000000, UTC, "2026-08-21 12:00:00.5 +0000 UTC"),
    (1787313600, 123456789, UTC, "2026-08-21 12:00:00.123456789 +0000 UTC"),
    (1787313600, 120000, UTC, "2026-08-21 12:00:00.00012 +0000 UTC"),
    (1787313600, 1, UTC, "2026-08-21 12:00:00.000000001 +0000 UTC"),
    (1787313600, 100, UTC, "2026-08-21 12:00:00.0000001 +0000 UTC"),
    (-1, 999999999, UTC, "1969-12-31 23:59:59.999999999 +0000 UTC"),
    (253402300799, 999999999, UTC, "9999-12-31 23:59:59.999999999 +0000 UTC"),
    (951782400, 10, UTC, "2000-02-29 00:00:00.00000001 +0000 UTC"),
    (-3786807838, 0, NY, "1850-01-01 00:00:00 -0456 LMT"),
    (1787313600, 5000, KOLKATA, "2026-08-21 17:30:00.000005 +0530 IST"),
    (1787313600, 0, SAO_PAULO, "2026-08-21 09:00:00 -0300 -03"),
]


@pytest.mark.parametrize(("seconds", "nanos", "zone", "expected"), STRINGS)
def test_string(seconds: int, nanos: int, zone: Location, expected: str) -> None:
    assert GoTime(seconds * 10**9 + nanos, zone).string() == expected


# (name, time.LoadLocation(name): its String() or the error)
LOCATIONS = [
    ("", "UTC"),
    ("UTC", "UTC"),
    ("America/New_York", "America/New_York"),
    ("Etc/GMT+5", "Etc/GMT+5"),
    ("EST5EDT", "EST5EDT"),
    ("posixrules", "posixrules"),
    ("Nowhere/City", "ERR unknown time zone Nowhere/City"),
    ("utc", "ERR unknown time zone utc"),
    ("America", "ERR is a directory"),
    ("America/New_York/", "ERR not a directory"),
    ("zone.tab", "ERR malformed time zone information"),
    ("tzdata.zi", "ERR malformed time zone information"),
    ("../etc/passwd", "ERR time: invalid location name"),
    ("/etc/localtime", "ERR time: invalid location name"),
    ("\\x", "ERR time: invalid location name"),
    ("a..b", "ERR time: invalid location name"),
    ("America/New_York\x00", "ERR invalid argument"),
]


@pytest.mark.parametrize(("name", "expected"), LOCATIONS)
def test_load_location(name: str, expected: str) -> None:
    try:
        found = str(load_location(name, environ={}))
    except LocationError as exc:
        found = f"ERR {exc}"
    assert found == expected


# $ZONEINFO is searched first; a zone it lacks, or holds a broken file for, comes from the
# system folders (name, time.LoadLocation(name) with ZONEINFO=/usr/share/zoneinfo/America,
# and with ZONEINFO naming a folder whose Europe/Berlin is not a zone file)
ZONEINFO_ROWS = [
    ("New_York", "New_York", "ERR unknown time zone New_York"),
    ("Europe/Berlin", "Europe/Berlin", "Europe/Berlin"),
    ("Chicago", "Chicago", "ERR unknown time zone Chicago"),
    ("Nowhere", "ERR unknown time zone Nowhere", "ERR unknown time zone Nowhere"),
    ("Europe", "ERR is a directory", "ERR is a directory"),
]


@pytest.mark.parametrize(("name", "from_america", "from_broken"), ZONEINFO_ROWS)
def test_load_location_reads_zoneinfo_first(
    tmp_path: Path, name: str, from_america: str, from_broken: str
) -> None:
    (tmp_path / "Europe").mkdir()
    (tmp_path / "Europe" / "Berlin").write_bytes(b"garbage")
    found = []
    for folder in ("/usr/share/zoneinfo/America", str(tmp_path)):
        try:
            found.append(str(load_location(name, environ={"ZONEINFO": folder})))
        except LocationError as exc:
            found.append(f"ERR {exc}")
    assert found == [from_america, from_broken]


def test_load_location_local_is_time_local() -> None:
    assert load_location("Local", environ={"TZ": "Asia/Tokyo"}).local


# (TZ, or None for unset; time.Local.String() in a Go program started with it)
LOCAL_NAMES = [
    (None, "Local"),  # this machine's /etc/localtime
    ("", "UTC"),
    ("America/New_York", "America/New_York"),
    (":Europe/Berlin", "Europe/Berlin"),
    ("Nowhere", "UTC"),
    ("/usr/share/zoneinfo/Asia/Tokyo", "/usr/share/zoneinfo/Asia/Tokyo"),
    (":/etc/localtime", "Local"),
    ("UTC", "UTC"),
    (":", "UTC"),
    (":UTC", "UTC"),
    ("/nonexistent", "UTC"),
]


@pytest.mark.parametrize(("tz", "name"), LOCAL_NAMES)
def test_local_name(tz: str | None, name: str) -> None:
    local = local_location({} if tz is None else {"TZ": tz})
    assert (local.name, local.local) == (name, True)


def test_local_follows_the_zone_tz_names() -> None:
    local = local_location({"TZ": "America/New_York"})
    assert go_date(2026, 1, 1, 0, 0, 0, 0, local).string() == "2026-01-01 00:00:00 -0500 EST"


# (text, strconv.Atoi(text): the number or the error)
ATOI = [
    ("0", 0), ("7", 7), ("+5", 5), ("-5", -5), ("007", 7), ("-0", 0),
    ("9223372036854775807", 9223372036854775807),
    ("-9223372036854775808", -9223372036854775808),
    ("", 'strconv.Atoi: parsing "": invalid syntax'),
    ("+", 'strconv.Atoi: parsing "+": invalid syntax'),
    ("-", 'strconv.Atoi: parsing "-": invalid syntax'),
    ("+-1", 'strconv.Atoi: parsing "+-1": invalid syntax'),
    ("1_0", 'strconv.Atoi: parsing "1_0": invalid syntax'),
    ("0x1", 'strconv.Atoi: parsing "0x1": invalid syntax'),
    (" 1", 'strconv.Atoi: parsing " 1": invalid syntax'),
    ("1 ", 'strconv.Atoi: parsing "1 ": invalid syntax'),
    ("\u0663", 'strconv.Atoi: parsing "\u0663": invalid syntax'),
    ("\xe9", 'strconv.Atoi: parsing "\xe9": invalid syntax'),
    ("1\u200b", 'strconv.Atoi: parsing "1\\u200b": invalid syntax'),
    ('"', 'strconv.Atoi: parsing "\\"": invalid syntax'),
    ("\\", 'strconv.Atoi: parsing "\\\\": invalid syntax'),
    ("\x01", 'strconv.Atoi: parsing "\\x01": invalid syntax'),
    ("\x7f", 'strconv.Atoi: parsing "\\x7f": invalid syntax'),
    ("a\tb", 'strconv.Atoi: parsing "a\\tb": invalid syntax'),
    ("\U0001f600", 'strconv.Atoi: parsing "\U0001f600": invalid syntax'),
    ("\xa0", 'strconv.Atoi: parsing "\\u00a0": invalid syntax'),
    ("9223372036854775808", 'strconv.Atoi: parsing "9223372036854775808": value out of range'),
    ("-9223372036854775809", 'strconv.Atoi: parsing "-9223372036854775809": value out of range'),
    ("18446744073709551615", 'strconv.Atoi: parsing "18446744073709551615": value out of range'),
    ("18446744073709551616", 'strconv.Atoi: parsing "18446744073709551616": value out of range'),
    ("99999999999999999999x", 'strconv.Atoi: parsing "99999999999999999999x": value out of range'),
    ("9999999999999999999x", 'strconv.Atoi: parsing "9999999999999999999x": invalid syntax'),
    ("12345678901234567890123",
     'strconv.Atoi: parsing "12345678901234567890123": value out of range'),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), ATOI)
def test_atoi(text: str, expected: int | str) -> None:
    try:
        found: int | str = atoi(text)
    except AtoiError as exc:
        found = str(exc)
    assert found == expected


# (text, strings.Fields(text), strings.TrimSpace(text))
FIELDS = [
    ("a b", ["a", "b"], "a b"),
    ("  a  b  ", ["a", "b"], "a  b"),
    ("a\tb\nc\vd\fe\rf", ["a", "b", "c", "d", "e", "f"], "a\tb\nc\vd\fe\rf"),
    ("a\x85b", ["a", "b"], "a\x85b"),
    ("a\xa0b", ["a", "b"], "a\xa0b"),
    ("a\u1680b", ["a", "b"], "a\u1680b"),
    ("a\u2000b", ["a", "b"], "a\u2000b"),
    ("a\u200ab", ["a", "b"], "a\u200ab"),
    ("a\u200bb", ["a\u200bb"], "a\u200bb"),
    ("a\u2028b", ["a", "b"], "a\u2028b"),
    ("a\u2029b", ["a", "b"], "a\u2029b"),
    ("a\u202fb", ["a", "b"], "a\u202fb"),
    ("a\u205fb", ["a", "b"], "a\u205fb"),
    ("a\u3000b", ["a", "b"], "a\u3000b"),
    ("a\x1cb", ["a\x1cb"], "a\x1cb"),
    ("a\x1fb", ["a\x1fb"], "a\x1fb"),
    ("a\ufeffb", ["a\ufeffb"], "a\ufeffb"),
    ("", [], ""),
    ("   ", [], ""),
    ("\u3000 x\xa0", ["x"], "x"),
]


@pytest.mark.parametrize(("text", "split", "trimmed"), FIELDS)
def test_fields_and_trim_space(text: str, split: list[str], trimmed: str) -> None:
    assert (fields(text), trim_space(text)) == (split, trimmed)


@pytest.mark.parametrize(("text", "nanoseconds"), DURATIONS)
def test_parse_duration_nanos_is_exact(text: str, nanoseconds: int) -> None:
    """Pinned to Go 1.26's time.ParseDuration, to the nanosecond."""
    assert parse_duration_nanos(text) == nanoseconds


@pytest.mark.parametrize(("text", "go_error"), DURATION_REFUSALS)
def test_parse_duration_error_is_gos_text(text: str, go_error: str) -> None:
    with pytest.raises(DurationError) as refused:
        parse_duration_nanos(text)
    assert refused.value.go_text == go_error

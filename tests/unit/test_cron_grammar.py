"""The cron grammar of daprd's cron binding, held against dapr/kit's parser.

ACCEPTED, REFUSED and PANICS were printed by Go 1.26 running kit's own parser.go, spec.go and
constantdelay.go (dapr/kit @ 6e5616a, the code components-contrib's cron binding calls) with
the binding's options, SecondOptional|Minute|Hour|Dom|Month|Dow|Descriptor, and TZ unset so
that time.Local is named "Local". The rest replays kit's parser_test.go and spec_test.go and
the binding's cron_test.go (TestCronInitSuccess), case by case.
"""

from __future__ import annotations

import pytest

from daprlite.bindings.cron.schedule import (
    DAYS_OF_MONTH,
    DAYS_OF_WEEK,
    HOURS,
    MINUTES,
    MONTHS,
    SECONDS,
    STAR_BIT,
    Bounds,
    EverySchedule,
    FieldSchedule,
    bits,
    every_value,
)
from daprlite.bindings.cron.spec import (
    DAPRD,
    Fields,
    SpecError,
    field_bits,
    normalize,
    parse,
    range_bits,
)

# (spec, its six fields as kit holds them, seconds first, and the zone's name), or (spec, the
# @every delay in nanoseconds, None). A field shows "*" when written as a star (kit keeps a bit
# for that: it decides how the two day fields combine), "-" when it allows nothing.
# fmt: off
ACCEPTED = [
    ('* * * * *', '0 * * * * *', 'Local'),
    ('* * * * * *', '* * * * * *', 'Local'),
    ('0 */6 * * *', '0 0 0,6,12,18 * * *', 'Local'),
    ('0 0 */6 ? * *', '0 0 0,6,12,18 * * *', 'Local'),
    ('? ? ? ? ? ?', '* * * * * *', 'Local'),
    ('15 * * * * *', '15 * * * * *', 'Local'),
    ('0 30 * * * *', '0 30 * * * *', 'Local'),
    ('@yearly', '0 0 0 1 1 *', 'Local'),
    ('@annually', '0 0 0 1 1 *', 'Local'),
    ('@monthly', '0 0 0 1 * *', 'Local'),
    ('@weekly', '0 0 0 * * 0', 'Local'),
    ('@daily', '0 0 0 * * *', 'Local'),
    ('@midnight', '0 0 0 * * *', 'Local'),
    ('@hourly', '0 0 * * * *', 'Local'),
    ('@every 1s', 1000000000, None),
    ('@every 1h30m', 5400000000000, None),
    ('@every 5ns', 5, None),
    ('@every 0s', 0, None),
    ('@every 0', 0, None),
    ('@every -1s', -1000000000, None),
    ('@every 1.5s', 1500000000, None),
    ('@every 1µs', 1000, None),
    ('TZ=UTC * * * * *', '0 * * * * *', 'UTC'),
    ('CRON_TZ=Asia/Tokyo 0 5 * * * *', '0 5 * * * *', 'Asia/Tokyo'),
    ('TZ= * * * * *', '0 * * * * *', 'UTC'),
    ('TZ=Local * * * * *', '0 * * * * *', 'Local'),
    ('TZ=UTC  @midnight', '0 0 0 * * *', 'UTC'),
    ('TZ=Asia/Tokyo @every 1s', 1000000000, None),
    ('TZ=America/New_York 0 30 2 11 Mar ?', '0 30 2 11 3 *', 'America/New_York'),
    ('TZ=Europe/Berlin @hourly', '0 0 * * * *', 'Europe/Berlin'),
    ('TZ=Etc/GMT+5 * * * * *', '0 * * * * *', 'Etc/GMT+5'),
    (' * * * * * ', '0 * * * * *', 'Local'),
    ('*\t*\t*\t*\t*', '0 * * * * *', 'Local'),
    ('*\n* * * *', '0 * * * * *', 'Local'),
    ('* * * * *\xa0*', '* * * * * *', 'Local'),
    ('*\u2003*\u2003*\u2003*\u2003*', '0 * * * * *', 'Local'),
    ('0-59 * * * * *', '0-59 * * * * *', 'Local'),
    ('* * * * * 0-6', '* * * * * 0-6', 'Local'),
    ('* * * * JAN-DEC *', '* * * * 1-12 *', 'Local'),
    ('* * * * jan *', '* * * * 1 *', 'Local'),
    ('* * * * Jan *', '* * * * 1 *', 'Local'),
    ('* * * * * MON-FRI', '* * * * * 1-5', 'Local'),
    ('* * * * * mon,wed,fri', '* * * * * 1,3,5', 'Local'),
    ('* * * * * SUN', '* * * * * 0', 'Local'),
    ('* * * * * 1-MON', '* * * * * 1', 'Local'),
    ('* * * * * sun-sat', '* * * * * 0-6', 'Local'),
    ('*/60 * * * * *', '0 * * * * *', 'Local'),
    ('5/15 * * * *', '0 5,20,35,50 * * * *', 'Local'),
    ('5-10/2 * * * *', '0 5,7,9 * * * *', 'Local'),
    ('+5 * * * *', '0 5 * * * *', 'Local'),
    ('05 * * * *', '0 5 * * * *', 'Local'),
    ('007 * * * *', '0 7 * * * *', 'Local'),
    ('1,,2 * * * *', '0 1-2 * * * *', 'Local'),
    (', * * * *', '0 - * * * *', 'Local'),
    ('*-5 * * * *', '0 * * * * *', 'Local'),
    ('*-5-6 * * * *', '0 * * * * *', 'Local'),
    ('?/5 * * * *', '0 0,5,10,15,20,25,30,35,40,45,50,55 * * * *', 'Local'),
    ('*/99999999999 * * * *', '0 0 * * * *', 'Local'),
    ('*/9223372036854775807 * * * *', '0 0 * * * *', 'Local'),
    ('0 0 30 2 *', '0 0 0 30 2 *', 'Local'),
    ('0 0 0 30 Feb ?', '0 0 0 30 2 *', 'Local'),
    ('0 5 * * * *', '0 5 * * * *', 'Local'),
    ('5 5 * * * *', '5 5 * * * *', 'Local'),
    ('5 * * * *', '0 5 * * * *', 'Local'),
    ('0/15 * * * *', '0 0,15,30,45 * * * *', 'Local'),
    ('0/15 * * Jul *', '0 0,15,30,45 * * 7 *', 'Local'),
    ('30 08 ? Jul Sun', '0 30 8 * 7 0', 'Local'),
    ('30 08 15 Jul ?', '0 30 8 15 7 *', 'Local'),
    ('* * 1,15 * Sun', '0 * * 1,15 * 0', 'Local'),
    ('* * */10 * Sun', '0 * * 1,11,21,31 * 0', 'Local'),
    ('15/35 20-35/15 1/2 */2 * *', '15,50 20,35 1,3,5,7,9,11,13,15,17,19,21,23 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * *', 'Local'),  # noqa: E501
    ('0 0 0 */5 Apr,Aug,Oct Mon', '0 0 0 1,6,11,16,21,26,31 4,8,10 1', 'Local'),
    ('0 0 0 * Feb Mon/2', '0 0 0 * 2 1,3,5', 'Local'),
    ('0 0 0 29 Feb ?', '0 0 0 29 2 *', 'Local'),
    ('1 2 3 4 5 6', '1 2 3 4 5 6', 'Local'),
    ('59 59 23 31 12 6', '59 59 23 31 12 6', 'Local'),
    ('0 0 0 1 1 0', '0 0 0 1 1 0', 'Local'),
    ('* * * * * */7', '* * * * * 0', 'Local'),
    ('* * * * * 0/1', '* * * * * 0-6', 'Local'),
    ('*/1 * * * * *', '* * * * * *', 'Local'),
    ('?/1 * * * * *', '* * * * * *', 'Local'),
    ('*/+2 * * * *', '0 0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,56,58 * * * *', 'Local'),  # noqa: E501
    ('0-0 * * * *', '0 0 * * * *', 'Local'),
]

# (spec, the error Parse returns)
REFUSED = [
    ('', 'empty spec string'),
    (' ', 'expected 5 to 6 fields, found 0: []'),
    ('*', 'expected 5 to 6 fields, found 1: [*]'),
    ('* * * *', 'expected 5 to 6 fields, found 4: [* * * *]'),
    ('* * * * * * *', 'expected 5 to 6 fields, found 7: [* * * * * * *]'),
    ('@Yearly', 'unrecognized descriptor: @Yearly'),
    ('@YEARLY', 'unrecognized descriptor: @YEARLY'),
    ('@every', 'unrecognized descriptor: @every'),
    ('@every ', 'failed to parse duration @every : time: invalid duration ""'),
    ('@every  1s', 'failed to parse duration @every  1s: time: invalid duration " 1s"'),
    ('@every 1s ', 'failed to parse duration @every 1s : time: unknown unit "s " in duration "1s "'),  # noqa: E501
    ('@every Xm', 'failed to parse duration @every Xm: time: invalid duration "Xm"'),
    ('@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'),
    ('@every 10', 'failed to parse duration @every 10: time: missing unit in duration "10"'),
    ('@every 9999999999h', 'failed to parse duration @every 9999999999h: time: invalid duration "9999999999h"'),  # noqa: E501
    ('@unrecognized', 'unrecognized descriptor: @unrecognized'),
    ('@hourly ', 'unrecognized descriptor: @hourly '),
    (' @hourly', 'expected 5 to 6 fields, found 1: [@hourly]'),
    ('@ hourly', 'unrecognized descriptor: @ hourly'),
    ('@every\t1s', 'unrecognized descriptor: @every\t1s'),
    ('@', 'unrecognized descriptor: @'),
    ('TZ=Nowhere/City * * * * *', 'provided bad location Nowhere/City: unknown time zone Nowhere/City'),  # noqa: E501
    ('TZ=../etc/passwd * * * * *', 'provided bad location ../etc/passwd: time: invalid location name'),  # noqa: E501
    ('TZ=/etc/localtime * * * * *', 'provided bad location /etc/localtime: time: invalid location name'),  # noqa: E501
    ('TZ=America * * * * *', 'provided bad location America: is a directory'),
    ('TZ=zone.tab * * * * *', 'provided bad location zone.tab: malformed time zone information'),
    ('TZ=utc * * * * *', 'provided bad location utc: unknown time zone utc'),
    ('cron_tz=UTC * * * * *', 'failed to parse int from cron_tz=UTC: strconv.Atoi: parsing "cron_tz=UTC": invalid syntax'),  # noqa: E501
    ('TZ=UTC\t* * * * *', 'provided bad location UTC\t*: unknown time zone UTC\t*'),
    ('TZ=UTC ', 'expected 5 to 6 fields, found 0: []'),
    ('TZ=America/New_York/ * * * * *', 'provided bad location America/New_York/: not a directory'),
    ('TZ=UTC @unknown', 'unrecognized descriptor: @unknown'),
    ('TZ=\\x * * * * *', 'provided bad location \\x: time: invalid location name'),
    ('TZ=a\\b * * * * *', 'provided bad location a\\b: unknown time zone a\\b'),
    ('tz=UTC * * * * *', 'failed to parse int from tz=UTC: strconv.Atoi: parsing "tz=UTC": invalid syntax'),  # noqa: E501
    (' TZ=UTC * * * * *', 'failed to parse int from TZ=UTC: strconv.Atoi: parsing "TZ=UTC": invalid syntax'),  # noqa: E501
    ('*\x1c* * * *', 'expected 5 to 6 fields, found 4: [*\x1c* * * *]'),
    ('* * * *\u200b*', 'expected 5 to 6 fields, found 4: [* * * *\u200b*]'),
    ('60 * * * * *', 'end of range (60) above maximum (59): 60'),
    ('* 60 * * * *', 'end of range (60) above maximum (59): 60'),
    ('* * 24 * * *', 'end of range (24) above maximum (23): 24'),
    ('* * * 0 * *', 'beginning of range (0) below minimum (1): 0'),
    ('* * * 32 * *', 'end of range (32) above maximum (31): 32'),
    ('* * * * 0 *', 'beginning of range (0) below minimum (1): 0'),
    ('* * * * 13 *', 'end of range (13) above maximum (12): 13'),
    ('* * * * * 7', 'end of range (7) above maximum (6): 7'),
    ('* * * * January *', 'failed to parse int from January: strconv.Atoi: parsing "January": invalid syntax'),  # noqa: E501
    ('* * * jan * *', 'failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax'),
    ('* * * * * sat-sun', 'beginning of range (6) beyond end of range (0): sat-sun'),
    ('* * * * dec-jan *', 'beginning of range (12) beyond end of range (1): dec-jan'),
    ('*/0 * * * * *', 'step of range should be a positive number: */0'),
    ('*/-1 * * * * *', 'negative number (-1) not allowed: -1'),
    ('*//2 * * * * *', 'too many slashes: *//2'),
    ('1/2/3 * * * * *', 'too many slashes: 1/2/3'),
    ('1-2-3 * * * * *', 'too many hyphens: 1-2-3'),
    ('-1 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ('5- * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ('*/5-3 * * * *', 'failed to parse int from 5-3: strconv.Atoi: parsing "5-3": invalid syntax'),
    ('5/0 * * * *', 'step of range should be a positive number: 5/0'),
    ('1-5/0 * * * *', 'step of range should be a positive number: 1-5/0'),
    ('99999999999999999999 * * * *', 'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range'),  # noqa: E501
    ('4294967296 * * * *', 'end of range (4294967296) above maximum (59): 4294967296'),
    ('*/9223372036854775808 * * * *', 'failed to parse int from 9223372036854775808: strconv.Atoi: parsing "9223372036854775808": value out of range'),  # noqa: E501
    ('9999999999999999999x * * * *', 'failed to parse int from 9999999999999999999x: strconv.Atoi: parsing "9999999999999999999x": invalid syntax'),  # noqa: E501
    ('**  * * * *', 'failed to parse int from **: strconv.Atoi: parsing "**": invalid syntax'),
    ('* 5 j * * *', 'failed to parse int from j: strconv.Atoi: parsing "j": invalid syntax'),
    ('5 j * * *', 'failed to parse int from j: strconv.Atoi: parsing "j": invalid syntax'),
    ('xyz', 'expected 5 to 6 fields, found 1: [xyz]'),
    ('60 0 * * *', 'end of range (60) above maximum (59): 60'),
    ('0 60 * * *', 'end of range (60) above maximum (23): 60'),
    ('0 0 * * XYZ', 'failed to parse int from XYZ: strconv.Atoi: parsing "XYZ": invalid syntax'),
    ('TZ=America/New_York 15/0 * * * *', 'step of range should be a positive number: 15/0'),
    ('a', 'expected 5 to 6 fields, found 1: [a]'),
    ('٣ * * * *', 'failed to parse int from ٣: strconv.Atoi: parsing "٣": invalid syntax'),
    ('é * * * *', 'failed to parse int from é: strconv.Atoi: parsing "é": invalid syntax'),
    ('1\u200b * * * *', 'failed to parse int from 1\u200b: strconv.Atoi: parsing "1\\u200b": invalid syntax'),  # noqa: E501
    ('"1" * * * *', 'failed to parse int from "1": strconv.Atoi: parsing "\\"1\\"": invalid syntax'),  # noqa: E501
    ('1_0 * * * *', 'failed to parse int from 1_0: strconv.Atoi: parsing "1_0": invalid syntax'),
    ('0x1 * * * *', 'failed to parse int from 0x1: strconv.Atoi: parsing "0x1": invalid syntax'),
    ('1e1 * * * *', 'failed to parse int from 1e1: strconv.Atoi: parsing "1e1": invalid syntax'),
    ('+ * * * *', 'failed to parse int from +: strconv.Atoi: parsing "+": invalid syntax'),
    ('- * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ('-0 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ('*/-0 * * * *', 'step of range should be a positive number: */-0'),
    ('59-0 * * * *', 'beginning of range (59) beyond end of range (0): 59-0'),
    ('mon * * * *', 'failed to parse int from mon: strconv.Atoi: parsing "mon": invalid syntax'),
    ('* * * * mon *', 'failed to parse int from mon: strconv.Atoi: parsing "mon": invalid syntax'),
    ('* * * * * jan', 'failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax'),
    ('* * * * * MON-', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ('JAN * * * *', 'failed to parse int from JAN: strconv.Atoi: parsing "JAN": invalid syntax'),
    ('* * * * Feb-Jan *', 'beginning of range (2) beyond end of range (1): Feb-Jan'),
    ('* * * * * 6-0', 'beginning of range (6) beyond end of range (0): 6-0'),
]

# Specs kit panics on (it slices up to a space that is not there): daprd crashes.
PANICS = [
    'TZ=UTC',  # Go: runtime error: slice bounds out of range [:-1]
    'CRON_TZ=UTC',  # Go: runtime error: slice bounds out of range [:-1]
    'TZ=UTC@hourly',  # Go: runtime error: slice bounds out of range [:-1]
]
# fmt: on


def shown(schedule: FieldSchedule) -> str:
    """The six fields in the tables' notation."""
    values = (schedule.second, schedule.minute, schedule.hour, schedule.dom, schedule.month,
              schedule.dow)  # fmt: skip
    bounds = (SECONDS, MINUTES, HOURS, DAYS_OF_MONTH, MONTHS, DAYS_OF_WEEK)
    return " ".join(_shown(v, b) for v, b in zip(values, bounds, strict=True))


def _shown(value: int, bounds: Bounds) -> str:
    if value & STAR_BIT:
        return "*"
    allowed = [v for v in range(bounds.low, bounds.high + 1) if value >> v & 1]
    runs: list[str] = []
    for v in allowed:
        if runs and v - 1 in allowed:
            runs[-1] = f"{runs[-1].split('-')[0]}-{v}"
        else:
            runs.append(str(v))
    return ",".join(runs) or "-"


def _zone_name(schedule: FieldSchedule) -> str:
    return "Local" if schedule.location.local else schedule.location.name


@pytest.mark.parametrize(("spec", "expected", "zone"), ACCEPTED)
def test_accepted_as_kit_parses_it(spec: str, expected: str | int, zone: str | None) -> None:
    schedule = parse(spec)
    if zone is None:
        assert schedule == EverySchedule(int(expected))
    else:
        assert isinstance(schedule, FieldSchedule)
        assert (shown(schedule), _zone_name(schedule)) == (expected, zone)


@pytest.mark.parametrize(("spec", "message"), REFUSED)
def test_refused_with_kits_words(spec: str, message: str) -> None:
    with pytest.raises(SpecError) as refused:
        parse(spec)
    assert str(refused.value) == message


@pytest.mark.parametrize("spec", PANICS)
def test_a_spec_daprd_panics_on_is_refused_saying_so(spec: str) -> None:
    with pytest.raises(SpecError, match=r"daprd panics on this spec"):
        parse(spec)


# --- kit's parser_test.go ------------------------------------------------------------------

# TestRange: (expr, min, max, bits, error fragment)
RANGES = [
    ("5", 0, 7, 1 << 5, ""),
    ("0", 0, 7, 1 << 0, ""),
    ("7", 0, 7, 1 << 7, ""),
    ("5-5", 0, 7, 1 << 5, ""),
    ("5-6", 0, 7, 1 << 5 | 1 << 6, ""),
    ("5-7", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, ""),
    ("5-6/2", 0, 7, 1 << 5, ""),
    ("5-7/2", 0, 7, 1 << 5 | 1 << 7, ""),
    ("5-7/1", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, ""),
    ("*", 1, 3, 1 << 1 | 1 << 2 | 1 << 3 | STAR_BIT, ""),
    ("*/2", 1, 3, 1 << 1 | 1 << 3, ""),
    ("5--5", 0, 0, 0, "too many hyphens"),
    ("jan-x", 0, 0, 0, "failed to parse int from"),
    ("2-x", 1, 5, 0, "failed to parse int from"),
    ("*/-12", 0, 0, 0, "negative number"),
    ("*//2", 0, 0, 0, "too many slashes"),
    ("1", 3, 5, 0, "below minimum"),
    ("6", 3, 5, 0, "above maximum"),
    ("5-3", 3, 5, 0, "beyond end of range"),
    ("*/0", 0, 0, 0, "should be a positive number"),
]


@pytest.mark.parametrize(("expr", "low", "high", "expected", "error"), RANGES)
def test_range(expr: str, low: int, high: int, expected: int, error: str) -> None:
    if error:
        with pytest.raises(SpecError, match=error):
            range_bits(expr, Bounds(low, high))
    else:
        assert range_bits(expr, Bounds(low, high)) == expected


@pytest.mark.parametrize(
    ("expr", "low", "high", "expected"),
    [
        ("5", 1, 7, 1 << 5),
        ("5,6", 1, 7, 1 << 5 | 1 << 6),
        ("5,6,7", 1, 7, 1 << 5 | 1 << 6 | 1 << 7),
        ("1,5-7/2,3", 1, 7, 1 << 1 | 1 << 5 | 1 << 7 | 1 << 3),
    ],
)
def test_field(expr: str, low: int, high: int, expected: int) -> None:
    assert field_bits(expr, Bounds(low, high)) == expected


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        (MINUTES, 0xFFFFFFFFFFFFFFF),  # 0-59: 60 ones
        (HOURS, 0xFFFFFF),  # 0-23: 24 ones
        (DAYS_OF_MONTH, 0xFFFFFFFE),  # 1-31: 31 ones, 1 zero
        (MONTHS, 0x1FFE),  # 1-12: 12 ones, 1 zero
        (DAYS_OF_WEEK, 0x7F),  # 0-6: 7 ones
    ],
)
def test_all(bounds: Bounds, expected: int) -> None:
    assert every_value(bounds) == expected | STAR_BIT


@pytest.mark.parametrize(
    ("low", "high", "step", "expected"),
    [(0, 0, 1, 0x1), (1, 1, 1, 0x2), (1, 5, 2, 0x2A), (1, 4, 2, 0xA)],
)
def test_bits(low: int, high: int, step: int, expected: int) -> None:
    assert bits(low, high, step) == expected


SECOND_PARSER = (
    Fields.SECOND
    | Fields.MINUTE
    | Fields.HOUR
    | Fields.DOM
    | Fields.MONTH
    | Fields.DOW_OPTIONAL
    | Fields.DESCRIPTOR
)
STANDARD_PARSER = (
    Fields.MINUTE | Fields.HOUR | Fields.DOM | Fields.MONTH | Fields.DOW | Fields.DESCRIPTOR
)
ALL_SIX = STANDARD_PARSER | Fields.SECOND


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("* 5 j * * *", "failed to parse int from"),
        ("@every Xm", "failed to parse duration"),
        ("@unrecognized", "unrecognized descriptor"),
        ("* * * *", "expected 5 to 6 fields"),
        ("", "empty spec string"),
    ],
)
def test_parse_schedule_errors(spec: str, error: str) -> None:
    with pytest.raises(SpecError, match=error):
        parse(spec, SECOND_PARSER)


# TestParseSchedule, TestOptionalSecondSchedule and TestStandardSpecSchedule: (parser, spec,
# fields in the tables' notation or the @every delay, zone)
PARSED = [
    (SECOND_PARSER, "0 5 * * * *", "0 5 * * * *", "Local"),
    (STANDARD_PARSER, "5 * * * *", "0 5 * * * *", "Local"),
    (SECOND_PARSER, "CRON_TZ=UTC  0 5 * * * *", "0 5 * * * *", "UTC"),
    (STANDARD_PARSER, "CRON_TZ=UTC  5 * * * *", "0 5 * * * *", "UTC"),
    (SECOND_PARSER, "CRON_TZ=Asia/Tokyo 0 5 * * * *", "0 5 * * * *", "Asia/Tokyo"),
    (SECOND_PARSER, "@every 5m", 5 * 60 * 10**9, None),
    (SECOND_PARSER, "@every 5ms", 5 * 10**6, None),
    (SECOND_PARSER, "@every 5ns", 5, None),
    (SECOND_PARSER, "@midnight", "0 0 0 * * *", "Local"),
    (SECOND_PARSER, "TZ=UTC  @midnight", "0 0 0 * * *", "UTC"),
    (SECOND_PARSER, "TZ=Asia/Tokyo @midnight", "0 0 0 * * *", "Asia/Tokyo"),
    (SECOND_PARSER, "@yearly", "0 0 0 1 1 *", "Local"),
    (SECOND_PARSER, "@annually", "0 0 0 1 1 *", "Local"),
    (SECOND_PARSER, "* 5 * * * *", "* 5 * * * *", "Local"),
    (DAPRD, "0 5 * * * *", "0 5 * * * *", "Local"),
    (DAPRD, "5 5 * * * *", "5 5 * * * *", "Local"),
    (DAPRD, "5 * * * *", "0 5 * * * *", "Local"),
    (STANDARD_PARSER, "@every 5m", 5 * 60 * 10**9, None),
]


@pytest.mark.parametrize(("options", "spec", "expected", "zone"), PARSED)
def test_parse_schedule(options: Fields, spec: str, expected: str | int, zone: str | None) -> None:
    schedule = parse(spec, options)
    if zone is None:
        assert schedule == EverySchedule(int(expected))
    else:
        assert isinstance(schedule, FieldSchedule)
        assert (shown(schedule), _zone_name(schedule)) == (expected, zone)


DOW_OPTIONAL = Fields.HOUR | Fields.DOM | Fields.MONTH | Fields.DOW_OPTIONAL
SECOND_OPTIONAL = Fields.SECOND_OPTIONAL | Fields.HOUR | Fields.DOM | Fields.MONTH
ALL_STARS = ["0", "5", "*", "*", "*", "*"]


@pytest.mark.parametrize(
    ("given", "options", "expected"),
    [
        (ALL_STARS, ALL_SIX, ALL_STARS),
        (ALL_STARS, DAPRD, ALL_STARS),
        (["5", "*", "*", "*", "*"], DAPRD, ALL_STARS),
        (
            ["5", "15", "*"],
            Fields.HOUR | Fields.DOM | Fields.MONTH,
            ["0", "0", "5", "15", "*", "*"],
        ),
        (["5", "15", "*", "4"], DOW_OPTIONAL, ["0", "0", "5", "15", "*", "4"]),
        (["5", "15", "*"], DOW_OPTIONAL, ["0", "0", "5", "15", "*", "*"]),
        (["5", "15", "*"], SECOND_OPTIONAL, ["0", "0", "5", "15", "*", "*"]),
    ],
)
def test_normalize_fields(given: list[str], options: Fields, expected: list[str]) -> None:
    assert normalize(given, options) == expected


@pytest.mark.parametrize(
    ("given", "options", "error"),
    [
        (ALL_STARS, DAPRD | Fields.DOW_OPTIONAL, "multiple optionals may not be configured"),
        (["0", "5", "*", "*"], Fields.SECOND_OPTIONAL | Fields.MINUTE | Fields.HOUR,
         "expected 2 to 3 fields, found 4: [0 5 * *]"),
        ([], Fields.SECOND_OPTIONAL | Fields.MINUTE | Fields.HOUR,
         "expected 2 to 3 fields, found 0: []"),
        (["*"], Fields.SECOND_OPTIONAL | Fields.MINUTE | Fields.HOUR,
         "expected 2 to 3 fields, found 1: [*]"),
    ],
)  # fmt: skip
def test_normalize_fields_errors(given: list[str], options: Fields, error: str) -> None:
    with pytest.raises(SpecError) as refused:
        normalize(given, options)
    assert str(refused.value) == error


@pytest.mark.parametrize(
    ("spec", "error"),
    [("5 j * * *", "failed to parse int from"), ("* * * *", "expected exactly 5 fields")],
)
def test_standard_spec_errors(spec: str, error: str) -> None:
    with pytest.raises(SpecError, match=error):
        parse(spec, STANDARD_PARSER)


def test_no_descriptor_parser() -> None:
    with pytest.raises(SpecError, match="parser does not accept descriptors: @every 1m"):
        parse("@every 1m", Fields.MINUTE | Fields.HOUR)


# --- kit's spec_test.go: TestErrors and TestSlash0NoHang --------------------------------------


@pytest.mark.parametrize(
    "spec",
    ["xyz", "60 0 * * *", "0 60 * * *", "0 0 * * XYZ", "TZ=America/New_York 15/0 * * * *"],
)
def test_standard_parser_refuses(spec: str) -> None:
    with pytest.raises(SpecError):
        parse(spec, STANDARD_PARSER)


# --- components-contrib bindings/cron/cron_test.go: TestCronInitSuccess -----------------------


@pytest.mark.parametrize(
    ("spec", "valid"),
    [
        ("@every 1s", True),  # macro cron format
        ("*/3 * * * * *", True),  # non-standard cron format
        ("*/15 * * * *", True),  # standard cron format
        ("0 0 1 * *", True),  # standard cron format
        ("0 0 */6 ? * *", True),  # quartz cron format
        ("INVALID_SCHEDULE", False),
    ],
)
def test_the_bindings_init_cases(spec: str, valid: bool) -> None:
    if valid:
        parse(spec)
    else:
        with pytest.raises(
            SpecError, match=r"^expected 5 to 6 fields, found 1: \[INVALID_SCHEDULE\]$"
        ):
            parse(spec)

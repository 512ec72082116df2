"""gocompat's Duration.String, float32 JSON, time.Time JSON and json.Unmarshal, held against Go.

Every expected value was printed by Go 1.26 (time.Duration(n).String(), json.Marshal(float32),
json.Marshal(time.Date(..., time.FixedZone("", offset))), json.Unmarshal into []any); none was
worked out by hand. A failing row means daprlite has drifted from Go.
"""

from __future__ import annotations

import struct

import pytest

from daprlite.gocompat.duration import format_duration
from daprlite.gocompat.floats import format_float32
from daprlite.gocompat.json import GoJSONError, encode, unmarshal
from daprlite.gocompat.timejson import YEAR_RANGE_ERROR, days_from_civil, format_time

# (nanoseconds, time.Duration(nanoseconds).String())
DURATIONS = [
    (0, "0s"),
    (1, "1ns"),
    (999, "999ns"),
    (1000, "1µs"),
    (1001, "1.001µs"),
    (1500, "1.5µs"),
    (294000, "294µs"),
    (999999, "999.999µs"),
    (1000000, "1ms"),
    (1500000, "1.5ms"),
    (12345678, "12.345678ms"),
    (999999999, "999.999999ms"),
    (1000000000, "1s"),
    (1000000001, "1.000000001s"),
    (2010000000, "2.01s"),
    (59999999999, "59.999999999s"),
    (60000000000, "1m0s"),
    (61500000000, "1m1.5s"),
    (3599999999999, "59m59.999999999s"),
    (3600000000000, "1h0m0s"),
    (3661001000000, "1h1m1.001s"),
    (86400000000000, "24h0m0s"),
    (-1, "-1ns"),
    (-1500, "-1.5µs"),
    (-2010000000, "-2.01s"),
    (-3661000000000, "-1h1m1s"),
    (9223372036854775807, "2562047h47m16.854775807s"),
    (-9223372036854775808, "-2562047h47m16.854775808s"),
    (360000000000000, "100h0m0s"),
]


@pytest.mark.parametrize(("nanoseconds", "expected"), DURATIONS)
def test_format_duration(nanoseconds: int, expected: str) -> None:
    assert format_duration(nanoseconds) == expected


# (math.Float32bits(f), json.Marshal(f))
FLOAT32S = [
    (0, "0"),
    (1065353216, "1"),
    (3212836864, "-1"),
    (1066192077, "1.1"),
    (1036831949, "0.1"),
    (1621981420, "100000000000000000000"),
    (1649989415, "1e+21"),
    (869711765, "1e-7"),
    (897988541, "0.000001"),
    (897988540, "9.999999e-7"),
    (1266679808, "16777216"),
    (1290500515, "123456790"),
    (2139081118, "3.4e+38"),
    (4286578687, "-3.4028235e+38"),
    (1, "1e-45"),
    (8388608, "1.1754944e-38"),
    (1050253722, "0.3"),
    (1075838976, "2.5"),
    (1120403456, "100"),
    (1234613304, "1234567"),
    (1262248270, "12345678"),
    (956365200, "0.000123"),
    (1078530011, "3.1415927"),
    (2147483648, "-0"),
    (1343554297, "10000000000"),
    (1232348159, "999999.94"),
    (1701653330, "7e+22"),
]


@pytest.mark.parametrize(("bits", "expected"), FLOAT32S)
def test_format_float32(bits: int, expected: str) -> None:
    value = struct.unpack(">f", struct.pack(">I", bits))[0]
    assert format_float32(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("nan"), "json: unsupported value: NaN"),
        (float("inf"), "json: unsupported value: +Inf"),
        (float("-inf"), "json: unsupported value: -Inf"),
    ],
)
def test_format_float32_refuses(value: float, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message.replace('+', '[+]')}$"):
        format_float32(value)


# ((year, month, day, hour, minute, second, nanosecond, UTC offset in seconds), JSON or None)
TIMES = [
    ((2020, 9, 24, 11, 45, 5, 0, 0), "2020-09-24T11:45:05Z"),
    ((2020, 9, 24, 11, 45, 5, 123450000, 0), "2020-09-24T11:45:05.12345Z"),
    ((2020, 9, 24, 11, 45, 5, 1, 0), "2020-09-24T11:45:05.000000001Z"),
    ((2020, 9, 24, 11, 45, 5, 100000000, 19800), "2020-09-24T11:45:05.1+05:30"),
    ((1800, 1, 1, 5, 53, 28, 0, 21208), "1800-01-01T05:53:28+05:53"),
    ((1799, 12, 31, 19, 3, 58, 0, -17762), "1799-12-31T19:03:58-04:56"),
    ((0, 1, 1, 0, 0, 0, 0, 0), "0000-01-01T00:00:00Z"),
    ((9999, 12, 31, 23, 59, 59, 999999000, 0), "9999-12-31T23:59:59.999999Z"),
    ((2020, 1, 15, 7, 0, 0, 0, -18000), "2020-01-15T07:00:00-05:00"),
    ((2020, 1, 1, 0, 0, 0, 0, -30), "2020-01-01T00:00:00+00:00"),
    ((2020, 1, 1, 0, 0, 0, 0, 30), "2020-01-01T00:00:00+00:00"),
    ((10000, 1, 1, 0, 0, 0, 0, 0), None),
    ((-1, 12, 31, 0, 0, 0, 0, 0), None),
]


@pytest.mark.parametrize(("civil", "expected"), TIMES)
def test_format_time(civil: tuple[int, ...], expected: str | None) -> None:
    year, month, day, hour, minute, second, nanos, offset = civil
    local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    if expected is None:
        with pytest.raises(ValueError, match=r"year outside of range \[0,9999\]") as caught:
            format_time(local - offset, nanos, offset)
        assert str(caught.value) == YEAR_RANGE_ERROR
    else:
        assert format_time(local - offset, nanos, offset) == expected


# (input, json.Marshal of what json.Unmarshal gave, or the error text)
UNMARSHAL = [
    ("", "unexpected end of JSON input"),
    ("  ", "unexpected end of JSON input"),
    ("[1", "unexpected end of JSON input"),
    ("[1,]", "invalid character ']' looking for beginning of value"),
    ("[1] x", "invalid character 'x' after top-level value"),
    ("[1] ", b"[1]"),
    (" [1]\n", b"[1]"),
    ('{"a":1}', b'{"a":1}'),
    ("null", b"null"),
    ("[1e400]", "json: cannot unmarshal number 1e400 into Go value of type float64"),
    ("[01]", "invalid character '1' after array element"),
    ("x", "invalid character 'x' looking for beginning of value"),
    ("[1]]", "invalid character ']' after top-level value"),
    ('["\\x"]', "invalid character 'x' in string escape code"),
    ("[1,2", "unexpected end of JSON input"),
    ("[nul]", "invalid character ']' in literal null (expecting 'l')"),
    ('["a"] [2]', "invalid character '[' after top-level value"),
    ("[-]", "invalid character ']' in numeric literal"),
]


@pytest.mark.parametrize(("body", "expected"), UNMARSHAL)
def test_unmarshal(body: str, expected: str | bytes) -> None:
    if isinstance(expected, bytes):
        assert encode(unmarshal(body.encode())) == expected
    else:
        with pytest.raises(GoJSONError) as caught:
            unmarshal(body.encode())
        assert str(caught.value) == expected


def test_unmarshal_replaces_invalid_utf8_as_go_does() -> None:
    assert encode(unmarshal(b'["\xff"]')) == '["\ufffd"]'.encode()

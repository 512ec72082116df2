"""daprlite's Go rules (daprlite.gocompat) held against Go's own answers, one row per input.

Every expected value here was printed by Go 1.26 calling the Go function each test names; none
was worked out by hand or by daprlite. A failing row means daprlite has drifted from Go.
"""

from __future__ import annotations

import math
import re

import pytest

from daprlite.gocompat import strconv
from daprlite.gocompat.duration import parse_duration
from daprlite.gocompat.floats import format_float
from daprlite.gocompat.headers import canonical_mime_header_key, is_token

# (name, textproto.CanonicalMIMEHeaderKey(name), httpguts.ValidHeaderFieldName(name))
HEADER_NAMES = [
    ("", "", False),
    ("-", "-", True),
    ("--", "--", True),
    ("--a", "--A", True),
    ("a--b", "A--B", True),
    ("a-", "A-", True),
    ("-a", "-A", True),
    ("a", "A", True),
    ("A", "A", True),
    ("ab", "Ab", True),
    ("AB", "Ab", True),
    ("aB", "Ab", True),
    ("Ab", "Ab", True),
    ("x_corr-id", "X_corr-Id", True),
    ("x-corr-id", "X-Corr-Id", True),
    ("X-CORR-ID", "X-Corr-Id", True),
    ("x.y", "X.y", True),
    ("X.Y", "X.y", True),
    ("x.y-z", "X.y-Z", True),
    ("caf\xe9-x", "caf\xe9-x", False),
    ("\xff", "\xff", False),
    ("\xe9", "\xe9", False),
    ("X-FOO", "X-Foo", True),
    ("x-foo", "X-Foo", True),
    ("X-Foo", "X-Foo", True),
    ("content-TYPE", "Content-Type", True),
    ("Content-Type", "Content-Type", True),
    ("CONTENT-TYPE", "Content-Type", True),
    ("content-md5", "Content-Md5", True),
    ("metadata.foo", "Metadata.foo", True),
    ("metadata.Foo-bar", "Metadata.foo-Bar", True),
    ("Metadata.FOO", "Metadata.foo", True),
    ("metadata.", "Metadata.", True),
    ("__topic", "__topic", True),
    ("_a-_b", "_a-_b", True),
    ("a b", "a b", False),
    (" a", " a", False),
    ("a ", "a ", False),
    ("a:b", "a:b", False),
    ("a:", "a:", False),
    ("123", "123", True),
    ("1-a", "1-A", True),
    ("a-1b", "A-1b", True),
    ("1a-2B", "1a-2b", True),
    ("9", "9", True),
    ("\t", "\t", False),
    ("a\tb", "a\tb", False),
    ("a\nb", "a\nb", False),
    ("a\rb", "a\rb", False),
    ("a\x00b", "a\x00b", False),
    ("\x7f", "\x7f", False),
    ('a"b', 'a"b', False),
    ("a(b)", "a(b)", False),
    ("a,b", "a,b", False),
    ("a/b", "a/b", False),
    ("a;b", "a;b", False),
    ("a<b>", "a<b>", False),
    ("a=b", "a=b", False),
    ("a?b", "a?b", False),
    ("a@b", "a@b", False),
    ("a[b]", "a[b]", False),
    ("a\\b", "a\\b", False),
    ("a{b}", "a{b}", False),
    ("!#$%&'*+-.^_`|~", "!#$%&'*+-.^_`|~", True),
    ("a!b-c#d", "A!b-C#d", True),
    ("x~y-z|w", "X~y-Z|w", True),
    ("www-authenticate", "Www-Authenticate", True),
    ("WWW-AUTHENTICATE", "Www-Authenticate", True),
    ("dapr-app-id", "Dapr-App-Id", True),
    ("traceparent", "Traceparent", True),
    ("x-b3-traceid", "X-B3-Traceid", True),
    ("user-agent", "User-Agent", True),
    ("sec-websocket-key", "Sec-Websocket-Key", True),
    ("foo-Bar-BAZ", "Foo-Bar-Baz", True),
    ("fOO-bAR", "Foo-Bar", True),
    ("\u03a9", "\u03a9", False),
    ("a\xa0b", "a\xa0b", False),
    ("ab\n", "ab\n", False),
    ("\u212a-x", "\u212a-x", False),
    ("\u017f", "\u017f", False),
    ("\u0130", "\u0130", False),
    ("k\u212a", "k\u212a", False),
]


@pytest.mark.parametrize(("name", "canonical", "_valid"), HEADER_NAMES)
def test_canonical_mime_header_key(name: str, canonical: str, _valid: bool) -> None:
    """Pinned to Go 1.26's net/textproto.CanonicalMIMEHeaderKey."""
    assert canonical_mime_header_key(name) == canonical


@pytest.mark.parametrize(("name", "_canonical", "valid"), HEADER_NAMES)
def test_is_token(name: str, _canonical: str, valid: bool) -> None:
    """Pinned to Go 1.26's golang.org/x/net/http/httpguts.ValidHeaderFieldName (the check
    net/http's vendored copy makes; the probe confirmed net/http's Transport agrees on every row).
    """
    assert is_token(name) is valid


# (value, string(json.Marshal(value)))
FLOATS = [
    (0.0, "0"),
    (-0.0, "-0"),
    (1.0, "1"),
    (-1.0, "-1"),
    (1.5, "1.5"),
    (-2.5, "-2.5"),
    (0.1, "0.1"),
    (0.2, "0.2"),
    (0.3, "0.3"),
    (0.1 + 0.2, "0.30000000000000004"),
    (1 / 3, "0.3333333333333333"),
    (2 / 3, "0.6666666666666666"),
    (100.0, "100"),
    (123.456, "123.456"),
    (3.14159, "3.14159"),
    (33.333, "33.333"),
    (1e6, "1000000"),
    (1e7, "10000000"),
    (1e15, "1000000000000000"),
    (1e16, "10000000000000000"),
    (1e17, "100000000000000000"),
    (1e20, "100000000000000000000"),
    (9.999999999999998e20, "999999999999999700000"),
    (1e21, "1e+21"),
    (-1e21, "-1e+21"),
    (1e22, "1e+22"),
    (1e23, "1e+23"),
    (1e100, "1e+100"),
    (1.5e300, "1.5e+300"),
    (1e-5, "0.00001"),
    (0.000123, "0.000123"),
    (2.5e-6, "0.0000025"),
    (1e-6, "0.000001"),
    (-1e-6, "-0.000001"),
    (9.999999999999999e-7, "0.000001"),
    (5e-7, "5e-7"),
    (1e-7, "1e-7"),
    (-1.25e-8, "-1.25e-8"),
    (123456789e-15, "1.23456789e-7"),
    (123456789e-20, "1.23456789e-12"),
    (2.0**53 - 1, "9007199254740991"),
    (2.0**53, "9007199254740992"),
    (2.0**53 + 2, "9007199254740994"),
    (-(2.0**53 + 2), "-9007199254740994"),
    (2.0**60, "1152921504606847000"),
    (2.0**63, "9223372036854776000"),
    (2.0**64, "18446744073709552000"),
    (12345678901234567890.0, "12345678901234567000"),
    (1.2345678901234567e19, "12345678901234567000"),
    (5e-324, "5e-324"),
    (-5e-324, "-5e-324"),
    (1e-323, "1e-323"),
    (4.35e-7, "4.35e-7"),
    (2.2250738585072014e-308, "2.2250738585072014e-308"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (-1.7976931348623157e308, "-1.7976931348623157e+308"),
]


@pytest.mark.parametrize(("value", "expected"), FLOATS)
def test_format_float(value: float, expected: str) -> None:
    """Pinned to Go 1.26's encoding/json.Marshal of a float64."""
    assert format_float(value) == expected


# (value, json.Marshal(value)'s error)
FLOAT_REFUSALS = [
    (math.nan, "json: unsupported value: NaN"),
    (math.inf, "json: unsupported value: +Inf"),
    (-math.inf, "json: unsupported value: -Inf"),
]


@pytest.mark.parametrize(("value", "message"), FLOAT_REFUSALS)
def test_format_float_refuses(value: float, message: str) -> None:
    """Pinned to Go 1.26's encoding/json.Marshal of a float64 that JSON cannot hold."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        format_float(value)


# (text, time.ParseDuration(text) in nanoseconds)
DURATIONS = [
    ("0", 0),
    ("+0", 0),
    ("-0", 0),
    ("0s", 0),
    ("-0s", 0),
    ("+0s", 0),
    ("0.0s", 0),
    ("1s", 1_000_000_000),
    ("+1s", 1_000_000_000),
    ("-1s", -1_000_000_000),
    ("1.5h", 5_400_000_000_000),
    ("-1.5h", -5_400_000_000_000),
    ("1h2m3.5s", 3_723_500_000_000),
    (".5s", 500_000_000),
    ("1.s", 1_000_000_000),
    ("5.s", 5_000_000_000),
    ("1us", 1_000),
    ("1\xb5s", 1_000),
    ("1\u03bcs", 1_000),
    ("1ns", 1),
    ("300ms", 300_000_000),
    ("1ms1us", 1_001_000),
    ("1h1m1s1ms1us1ns", 3_661_001_001_001),
    ("1m1m", 120_000_000_000),
    ("2h45m", 9_900_000_000_000),
    ("1.5ns", 1),
    ("0.5ns", 0),
    ("0.9ns", 0),
    ("0.0000000001s", 0),
    ("0.000000001s", 1),
    ("1.0000000001s", 1_000_000_000),
    ("0.1234567890123s", 123_456_789),
    ("1.12345678901234567890123s", 1_123_456_789),
    ("0.333333333333333333333333h", 1_200_000_000_000),
    ("007s", 7_000_000_000),
    ("2562047h", 9_223_369_200_000_000_000),
    ("9223372036854775807ns", 9_223_372_036_854_775_807),
    ("-9223372036854775808ns", -9_223_372_036_854_775_808),
    ("9223372036.854775807s", 9_223_372_036_854_775_807),
    ("2562047.788015215h", 9_223_372_036_854_774_000),
    ("153722867m", 9_223_372_020_000_000_000),
    ("1h.5m", 3_630_000_000_000),
    ("1h0.5m", 3_630_000_000_000),
    ("1.5m.5s", 90_500_000_000),
]


@pytest.mark.parametrize(("text", "nanoseconds"), DURATIONS)
def test_parse_duration(text: str, nanoseconds: int) -> None:
    """Pinned to Go 1.26's time.ParseDuration (a tolerance of a few float64 steps, no more)."""
    assert parse_duration(text) == pytest.approx(nanoseconds / 1_000_000_000, rel=1e-15)


# (text, time.ParseDuration(text)'s error, as Go writes it)
DURATION_REFUSALS = [
    ("00", 'time: missing unit in duration "00"'),
    ("0.0", 'time: missing unit in duration "0.0"'),
    ("5", 'time: missing unit in duration "5"'),
    ("5.", 'time: missing unit in duration "5."'),
    ("", 'time: invalid duration ""'),
    (".", 'time: invalid duration "."'),
    (".s", 'time: invalid duration ".s"'),
    ("-.s", 'time: invalid duration "-.s"'),
    ("-", 'time: invalid duration "-"'),
    ("+", 'time: invalid duration "+"'),
    ("s", 'time: invalid duration "s"'),
    ("h", 'time: invalid duration "h"'),
    ("ms", 'time: invalid duration "ms"'),
    ("\xb5s", 'time: invalid duration "\\xc2\\xb5s"'),
    (" 1s", 'time: invalid duration " 1s"'),
    ("1s ", 'time: unknown unit "s " in duration "1s "'),
    ("\t1s", 'time: invalid duration "\\x091s"'),
    ("1s\n", 'time: unknown unit "s\\x0a" in duration "1s\\x0a"'),
    ("1 s", 'time: unknown unit " s" in duration "1 s"'),
    ("5 s", 'time: unknown unit " s" in duration "5 s"'),
    ("1S", 'time: unknown unit "S" in duration "1S"'),
    ("1Ms", 'time: unknown unit "Ms" in duration "1Ms"'),
    ("1MS", 'time: unknown unit "MS" in duration "1MS"'),
    ("1Us", 'time: unknown unit "Us" in duration "1Us"'),
    ("1H", 'time: unknown unit "H" in duration "1H"'),
    ("1d", 'time: unknown unit "d" in duration "1d"'),
    ("1w", 'time: unknown unit "w" in duration "1w"'),
    ("1h1", 'time: missing unit in duration "1h1"'),
    ("1s3", 'time: missing unit in duration "1s3"'),
    ("1e3s", 'time: unknown unit "e" in duration "1e3s"'),
    ("1_000s", 'time: unknown unit "_" in duration "1_000s"'),
    ("1h-1m", 'time: unknown unit "h-" in duration "1h-1m"'),
    ("--5s", 'time: invalid duration "--5s"'),
    ("+-1s", 'time: invalid duration "+-1s"'),
    ("-+1s", 'time: invalid duration "-+1s"'),
    ("1.2.3s", 'time: missing unit in duration "1.2.3s"'),
    ("\u0663s", 'time: invalid duration "\\xd9\\xa3s"'),
    ("2562048h", 'time: invalid duration "2562048h"'),
    ("9999999999h", 'time: invalid duration "9999999999h"'),
    ("106751d", 'time: unknown unit "d" in duration "106751d"'),
    ("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'),
    ("-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'),
    ("9223372036854775807ns1ns", 'time: invalid duration "9223372036854775807ns1ns"'),
    ("99999999999999999999s", 'time: invalid duration "99999999999999999999s"'),
    ("9223372036.854775808s", 'time: invalid duration "9223372036.854775808s"'),
    ("153722868m", 'time: invalid duration "153722868m"'),
    ("1.5", 'time: missing unit in duration "1.5"'),
]


@pytest.mark.parametrize(("text", "go_error"), DURATION_REFUSALS)
def test_parse_duration_refuses(text: str, go_error: str) -> None:
    """Pinned to Go 1.26's time.ParseDuration: refused here exactly where Go errors, and for the
    same reason when Go names one (a missing or an unknown unit).
    """
    with pytest.raises(ValueError, match="invalid duration") as refused:
        parse_duration(text)
    for reason in ("missing unit", "unknown unit"):
        assert (reason in str(refused.value)) == (reason in go_error)


@pytest.mark.parametrize(
    ("text", "bits", "unsigned", "expected"),
    [
        ("5432", 16, True, 5432),
        ("65535", 16, True, 65535),
        ("-2147483648", 32, False, -2147483648),
        ("+7", 32, False, 7),
        ("2147483647", 32, False, 2147483647),
    ],
)
def test_parse_int_takes_what_go_takes(text: str, bits: int, unsigned: bool, expected: int) -> None:
    assert strconv.parse_int(text, bits, unsigned=unsigned) == expected


@pytest.mark.parametrize(
    ("text", "bits", "unsigned", "message"),
    [
        ("65536", 16, True, 'strconv.ParseUint: parsing "65536": value out of range'),
        ("-1", 16, True, 'strconv.ParseUint: parsing "-1": invalid syntax'),
        ("2147483648", 32, False, 'strconv.ParseInt: parsing "2147483648": value out of range'),
        ("", 32, False, 'strconv.ParseInt: parsing "": invalid syntax'),
        ("1_000", 64, False, 'strconv.ParseInt: parsing "1_000": invalid syntax'),
    ],
)
def test_parse_int_refuses_in_gos_words(text: str, bits: int, unsigned: bool, message: str) -> None:
    with pytest.raises(strconv.NumError) as caught:
        strconv.parse_int(text, bits, unsigned=unsigned)
    assert str(caught.value) == message

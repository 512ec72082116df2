"""gojson: Go's json.Marshal output and Go's decode errors, row by row.

Expected values were produced by Go 1.26's encoding/json (Marshal of a decoded `any`, and
json.NewDecoder(body).Decode into daprd's OutputBindingRequest struct).
"""

from __future__ import annotations

import pytest

from daprlite.api.binding_request import decode_output_binding_request
from daprlite.gocompat import json as gojson
from daprlite.gocompat.floats import format_float
from daprlite.gocompat.json import GoJSONError


def reencode(body: bytes) -> bytes:
    return gojson.encode(gojson.decode(body))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # Reference §1.3, row by row.
        (b'{"message":"Hi"}', b'{"message":"Hi"}'),
        (b'"hello"', b'"hello"'),
        (b"null", b"null"),
        (b'{"b":1,"a":2}', b'{"a":2,"b":1}'),
        (b"1.0", b"1"),
        (b"1e3", b"1000"),
        (b"12345678901234567890", b"12345678901234567000"),
        (b'"<a&b>"', b'"\\u003ca\\u0026b\\u003e"'),
        (b'{\n  "a" : [ 1, 2 ] ,\t"b":{ } }', b'{"a":[1,2],"b":{}}'),
        # Numbers: float64, shortest form, exponent only below 1e-6 or from 1e21.
        (b"1e20", b"100000000000000000000"),
        (b"1e21", b"1e+21"),
        (b"2e22", b"2e+22"),
        (b"1e100", b"1e+100"),
        (b"1e-6", b"0.000001"),
        (b"1e-7", b"1e-7"),
        (b"1.5e-7", b"1.5e-7"),
        (b"1e-10", b"1e-10"),
        (b"-1.5e-300", b"-1.5e-300"),
        (b"5e-324", b"5e-324"),
        (b"1e-400", b"0"),
        (b"1.7976931348623157e308", b"1.7976931348623157e+308"),
        (b"-0", b"-0"),
        (b"-0.0", b"-0"),
        (b"0.1", b"0.1"),
        (b"123e-2", b"1.23"),
        (b"100e-2", b"1"),
        (b"1E+2", b"100"),
        (b"9007199254740993", b"9007199254740992"),
        (b"123456789.123", b"123456789.123"),
        # Strings: Go's escapes (\b and \f since Go 1.22), DEL and non-ASCII left as they are.
        (b'"\\u2028\\u2029"', b'"\\u2028\\u2029"'),
        (b'"\\b\\f\\n\\r\\t\\u0001\\u001f"', b'"\\b\\f\\n\\r\\t\\u0001\\u001f"'),
        (b'"\\u007f"', b'"\x7f"'),
        (b'"x\\"y\\\\z\\/"', b'"x\\"y\\\\z/"'),
        ('"é"'.encode(), '"é"'.encode()),
        (b'"\\u00e9"', '"é"'.encode()),
        (b'"\\ud83d\\ude00"', '"😀"'.encode()),
        (b'"\\ud800"', '"\ufffd"'.encode()),  # a lone surrogate becomes U+FFFD
        (b'"a\xffb"', '"a\ufffdb"'.encode()),  # so does invalid UTF-8, byte by byte
        (b'"\xe2\x82"', '"\ufffd\ufffd"'.encode()),
        # Objects: keys sorted by code point, last duplicate wins.
        ('{"é":1,"z":2,"Z":3}'.encode(), '{"Z":3,"z":2,"é":1}'.encode()),
        (b'{"a":1,"a":2}', b'{"a":2}'),
        (b'{"\\u00e9":1,"\xc3\xa9":2}', '{"é":2}'.encode()),
        (b'{"<":true,"&":false}', b'{"\\u0026":false,"\\u003c":true}'),
        (b"[true,false,null,[]]", b"[true,false,null,[]]"),
        # Trailing bytes after the first value are ignored, as by Go's json.Decoder.
        (b"{} trailing", b"{}"),
    ],
)
def test_reencode_like_go(given: bytes, expected: bytes) -> None:
    assert reencode(given) == expected


def test_encode_accepts_plain_python_values() -> None:
    assert gojson.encode({"b": [1, 2.5], "a": None}) == b'{"a":null,"b":[1,2.5]}'
    assert gojson.encode({"b": 1, "a": 2}, sort_keys=False) == b'{"b":1,"a":2}'


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_encode_refuses_what_go_cannot_marshal(value: float) -> None:
    with pytest.raises(ValueError, match="unsupported value"):
        gojson.encode(value)


def test_number_beyond_float64_is_refused_like_go() -> None:
    with pytest.raises(GoJSONError) as caught:
        gojson.decode(b"[1e400]")
    assert str(caught.value) == "json: cannot unmarshal number 1e400 into Go value of type float64"


def test_decode_keeps_key_order_and_duplicates() -> None:
    value = gojson.decode(b'{"b":1,"a":2,"b":3}')
    assert isinstance(value, gojson.GoObject)
    assert list(value) == [("b", 1.0), ("a", 2.0), ("b", 3.0)]


SYNTAX = [
    (b"", "EOF"),
    (b" \r\n\t", "EOF"),
    (b"x", "invalid character 'x' looking for beginning of value"),
    (b"{", "unexpected EOF"),
    (b'{"a"', "unexpected EOF"),
    (b'{"a":', "unexpected EOF"),
    (b"[1", "unexpected EOF"),
    (b'"abc', "unexpected EOF"),
    (b"tru", "unexpected EOF"),
    (b'{"a":}', "invalid character '}' looking for beginning of value"),
    (b'{"a" 1}', "invalid character '1' after object key"),
    (b'{"a":1,}', "invalid character '}' looking for beginning of object key string"),
    (b"{1:2}", "invalid character '1' looking for beginning of object key string"),
    (b'{"a":1 "b":2}', "invalid character '\"' after object key:value pair"),
    (b"[1,]", "invalid character ']' looking for beginning of value"),
    (b'{"data":[1 2]}', "invalid character '2' after array element"),
    (b"NaN", "invalid character 'N' looking for beginning of value"),
    (b'{"data":NaN}', "invalid character 'N' looking for beginning of value"),
    (b'{"data":Infinity}', "invalid character 'I' looking for beginning of value"),
    (b'{"data":-Infinity}', "invalid character 'I' in numeric literal"),
    (b'{"data":tru}', "invalid character '}' in literal true (expecting 'e')"),
    (b"fx", "invalid character 'x' in literal false (expecting 'a')"),
    (b"nx", "invalid character 'x' in literal null (expecting 'u')"),
    (b'{"a":"\x01"}', "invalid character '\\x01' in string literal"),
    (b'{"a":"\\x"}', "invalid character 'x' in string escape code"),
    (b'{"a":"\\u12"}', "invalid character '\"' in \\u hexadecimal character escape"),
    (b'{"data":01}', "invalid character '1' after object key:value pair"),
    (b'{"data":-}', "invalid character '}' in numeric literal"),
    (b'{"data":1.}', "invalid character '}' after decimal point in numeric literal"),
    (b'{"data":.5}', "invalid character '.' looking for beginning of value"),
    (b'{"a":1e}', "invalid character '}' in exponent of numeric literal"),
    (b'{"a":1e+}', "invalid character '}' in exponent of numeric literal"),
    (b"\xff", "invalid character 'ÿ' looking for beginning of value"),
    (b"\xef\xbb\xbf{}", "invalid character 'ï' looking for beginning of value"),
    (b"\x7f", "invalid character '\\x7f' looking for beginning of value"),
    (b"\x00", "invalid character '\\x00' looking for beginning of value"),
    (b"'", "invalid character '\\'' looking for beginning of value"),
    (b"\\", "invalid character '\\\\' looking for beginning of value"),
]

TYPES = [
    (b"[]", "json: cannot unmarshal array into Go value of type http.OutputBindingRequest"),
    (b'"s"', "json: cannot unmarshal string into Go value of type http.OutputBindingRequest"),
    (b"1", "json: cannot unmarshal number into Go value of type http.OutputBindingRequest"),
    (b"1e400", "json: cannot unmarshal number into Go value of type http.OutputBindingRequest"),
    (b"true", "json: cannot unmarshal bool into Go value of type http.OutputBindingRequest"),
]
FIELD = "json: cannot unmarshal {} into Go struct field OutputBindingRequest.{}"
TYPES += [
    (b'{"metadata":{"a":1}}', FIELD.format("number", "metadata of type string")),
    (b'{"metadata":{"a":true}}', FIELD.format("bool", "metadata of type string")),
    (b'{"metadata":{"a":{}}}', FIELD.format("object", "metadata of type string")),
    (b'{"metadata":{"a":[]}}', FIELD.format("array", "metadata of type string")),
    (b'{"metadata":[]}', FIELD.format("array", "metadata of type map[string]string")),
    (b'{"metadata":"x"}', FIELD.format("string", "metadata of type map[string]string")),
    (b'{"operation":1}', FIELD.format("number", "operation of type string")),
    (b'{"operation":{}}', FIELD.format("object", "operation of type string")),
    (b'{"operation":true}', FIELD.format("bool", "operation of type string")),
    (b'{"data":[1e400]}', FIELD.format("number 1e400", "data of type float64")),
    # Go keeps decoding after a type error and reports the first one in document order.
    (b'{"metadata":{"a":1},"operation":2}', FIELD.format("number", "metadata of type string")),
    (b'{"data":1e400,"metadata":{"a":1}}', FIELD.format("number 1e400", "data of type float64")),
    # A syntax error anywhere wins over type errors before it.
    (b'{"metadata":{"a":1}, x', "invalid character 'x' looking for beginning of object key string"),
]


@pytest.mark.parametrize(("body", "message"), SYNTAX + TYPES)
def test_request_errors_carry_gos_text(body: bytes, message: str) -> None:
    with pytest.raises(GoJSONError) as caught:
        decode_output_binding_request(body)
    assert str(caught.value) == message


def test_deep_nesting_is_a_clean_error() -> None:
    with pytest.raises(GoJSONError, match="nested too deeply"):
        decode_output_binding_request(b'{"data":' + b"[" * 100_000)
    with pytest.raises(GoJSONError, match="nested too deeply"):
        decode_output_binding_request(b'{"data":' + b"[" * 5000 + b"]" * 5000 + b"}")


@pytest.mark.parametrize(
    ("body", "data", "metadata", "operation"),
    [
        (b"null", b"null", {}, ""),
        (b"{}", b"null", {}, ""),
        (b'{"operation":"create"}', b"null", {}, "create"),
        (b'{"data":"hi","operation":"create"}', b'"hi"', {}, "create"),
        (b'{"Data":1,"dAtA":2}', b"2", {}, ""),
        (b'{"OPERATION":"x","Operation":"y"}', b"null", {}, "y"),
        (b'{"operation":"x","operation":null}', b"null", {}, "x"),
        (b'{"metadat\\u0061":{"a":"b"}}', b"null", {"a": "b"}, ""),
        (b'{"metadata":{"a":null}}', b"null", {"a": ""}, ""),
        (b'{"metadata":{"A":"1","a":"2","a":"3"}}', b"null", {"A": "1", "a": "3"}, ""),
        (b'{"metadata":{"a":"1"},"metadata":{"b":"2"}}', b"null", {"a": "1", "b": "2"}, ""),
        (b'{"metadata":{"a":"1"},"metadata":null}', b"null", {}, ""),
        ('{"operatıon":"x","extra":[1,2]}'.encode(), b"null", {}, ""),  # no Unicode folding
        (b'{"data":{"z":1,"a":"<"}} {', b'{"a":"\\u003c","z":1}', {}, ""),
    ],
)
def test_request_fields_decode_like_go(
    body: bytes, data: bytes, metadata: dict[str, str], operation: str
) -> None:
    decoded = decode_output_binding_request(body)
    assert (decoded.data, decoded.metadata, decoded.operation) == (data, metadata, operation)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (-2.5, "-2.5"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (123456789e-20, "1.23456789e-12"),
        (0.000001, "0.000001"),
        (2.0**53 + 2, "9007199254740994"),
        (1.2345678901234567e19, "12345678901234567000"),
        (-0.0, "-0"),
    ],
)
def test_format_float(value: float, expected: str) -> None:
    assert format_float(value) == expected

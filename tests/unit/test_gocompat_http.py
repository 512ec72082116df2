"""The Go rules the HTTP binding adds to daprlite.gocompat, held against Go's own answers.

Every expected value was printed by Go 1.26 (k8s.io/apimachinery v0.33.0 for quantities, the
pin of components-contrib; golang.org/x/net v0.62.0 for proxies) calling the function each
table names. A failing row means daprlite has drifted from Go.
"""

from __future__ import annotations

import re

import pytest

from daprlite.gocompat.httpclient import (
    error_op,
    invalid_header,
    keeps_sensitive_headers,
    redacted,
    redirect_behaviour,
    redirect_headers,
    referer,
    response_headers,
    status_text,
    url_error,
)
from daprlite.gocompat.httpproxy import CGI_REFUSAL, ProxyConfig
from daprlite.gocompat.quantity import byte_size
from daprlite.gocompat.strconv import quote

_SYNTAX = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)

# (text, ParseQuantity(text) then ByteSize.GetBytes: bytes, or the error's kind)
QUANTITIES: list[tuple[str, int | str]] = [
    ("100Mi", 104857600),
    ("1Ki", 1024),
    ("1k", 1000),
    ("100", 100),
    ("0", 0),
    ("-1", -1),
    ("1.5", "GETBYTES"),
    ("1.0", "GETBYTES"),
    ("1.5k", 1500),
    ("0.5Ki", "GETBYTES"),
    ("10E", "GETBYTES"),
    ("8Ei", "GETBYTES"),
    ("1e3", 1000),
    ("1E3", 1000),
    ("1.5e3", 1500),
    ("", _SYNTAX),
    (" 1", _SYNTAX),
    ("1K", "unable to parse quantity's suffix"),
    ("1kb", _SYNTAX),
    ("abc", _SYNTAX),
    ("+5", 5),
    ("1m", "GETBYTES"),
    ("1000m", "GETBYTES"),
    ("1e-3", "GETBYTES"),
    ("1Mi5", "unable to parse quantity's suffix"),
    ("1e", "unable to parse quantity's suffix"),
    ("5e+3", 5000),
    ("00012", 12),
    ("1.", 1),
    (".5k", 500),
    ("-", 0),
    (".", 0),
    ("0.0Ki", 0),
    ("-0.5Ki", "GETBYTES"),
    ("9223372036854775807", "GETBYTES"),
    ("1e18", 1000000000000000000),
    ("1e19", "GETBYTES"),
    ("1e9223372036854775807", "GETBYTES"),
    ("100Gi", 107374182400),
    ("1Ei", "GETBYTES"),
]


@pytest.mark.parametrize(("text", "expected"), QUANTITIES)
def test_byte_size_matches_apimachinery(text: str, expected: int | str) -> None:
    if isinstance(expected, int):
        assert byte_size(text) == expected
        return
    # Go prints a refused quantity in canonical form; daprlite repeats the text as written.
    message = (
        f"cannot get bytes from resource quantity value '{text}'"
        if expected == "GETBYTES"
        else expected
    )
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        byte_size(text)


# (s, strconv.Quote(s))
QUOTES = [
    ("", '""'),
    ("plain", '"plain"'),
    ('a"b', '"a\\"b"'),
    ("back\\slash", '"back\\\\slash"'),
    ("tab\there", '"tab\\there"'),
    ("nl\nx", '"nl\\nx"'),
    ("cr\r", '"cr\\r"'),
    ("\x00\x01\x1f", '"\\x00\\x01\\x1f"'),
    ("\x7f", '"\\x7f"'),
    ("caf\u00e9", '"caf\u00e9"'),
    ("\u00a0nbsp", '"\\u00a0nbsp"'),
    ("\u00adshy", '"\\u00adshy"'),
    ("\u200bzw", '"\\u200bzw"'),
    ("\u2028ls", '"\\u2028ls"'),
    ("emoji \U0001f600", '"emoji \U0001f600"'),
    ("\ue000pua", '"\\ue000pua"'),
    ("\U000e0001tag", '"\\U000e0001tag"'),
    ("bell\a\b\f\v", '"bell\\a\\b\\f\\v"'),
    ("X Bad", '"X Bad"'),
    ("\u0378unassigned", '"\\u0378unassigned"'),
    ("\u3000ideo", '"\\u3000ideo"'),
]


@pytest.mark.parametrize(("text", "expected"), QUOTES)
def test_quote_matches_strconv(text: str, expected: str) -> None:
    assert quote(text) == expected


_PROXIES = {"HTTP_PROXY": "http://proxy.test:3128", "HTTPS_PROXY": "secure.test:8443"}
_PLAIN, _SECURE = "http://proxy.test:3128", "http://secure.test:8443"

# (scheme, host, port, extra environment, httpproxy.FromEnvironment().ProxyFunc()(url))
PROXIES: list[tuple[str, str, int | None, dict[str, str], str | None]] = [
    ("http", "example.com", None, {}, _PLAIN),
    ("https", "example.com", None, {}, _SECURE),
    ("http", "localhost", 8080, {}, None),
    ("http", "127.0.0.1", 8080, {}, None),
    ("http", "127.5.5.5", None, {}, None),
    ("http", "::1", 80, {}, None),
    ("http", "::ffff:127.0.0.1", None, {}, None),
    ("ftp", "example.com", None, {}, None),
    ("http", "example.com", None, {"NO_PROXY": "*"}, None),
    ("http", "example.com", None, {"NO_PROXY": "example.com"}, None),
    ("http", "api.example.com", None, {"NO_PROXY": "example.com"}, None),
    ("http", "api.example.com", None, {"NO_PROXY": ".example.com"}, None),
    ("http", "example.com", None, {"NO_PROXY": ".example.com"}, _PLAIN),
    ("http", "api.example.com", None, {"NO_PROXY": "*.example.com"}, None),
    ("http", "example.com", None, {"NO_PROXY": "*.example.com"}, _PLAIN),
    ("http", "notexample.com", None, {"NO_PROXY": "example.com"}, _PLAIN),
    ("http", "example.com", 8080, {"NO_PROXY": "example.com:8080"}, None),
    ("http", "example.com", 9090, {"NO_PROXY": "example.com:8080"}, _PLAIN),
    ("http", "example.com", None, {"NO_PROXY": "example.com:80"}, None),
    ("https", "example.com", None, {"NO_PROXY": "example.com:80"}, _SECURE),
    ("http", "10.1.2.3", None, {"NO_PROXY": "10.0.0.0/8"}, None),
    ("http", "11.1.2.3", None, {"NO_PROXY": "10.0.0.0/8"}, _PLAIN),
    ("http", "10.1.2.3", 81, {"NO_PROXY": "10.1.2.3:81"}, None),
    ("http", "10.1.2.3", 82, {"NO_PROXY": "10.1.2.3:81"}, _PLAIN),
    ("http", "10.1.2.3", None, {"NO_PROXY": "10.1.2.3"}, None),
    ("http", "2001:db8::1", None, {"NO_PROXY": "2001:db8::1"}, None),
    ("http", "2001:db8::1", 8080, {"NO_PROXY": "[2001:db8::1]:8080"}, None),
    ("http", "EXAMPLE.com", None, {"NO_PROXY": "Example.COM"}, None),
    ("http", "example.com", None, {"NO_PROXY": " other.test , example.com "}, None),
    ("https", "example.com", None, {"REQUEST_METHOD": "GET"}, _SECURE),
    ("http", "example.com", None, {"HTTP_PROXY": ""}, None),
    ("http", "example.com", None, {"HTTP_PROXY": "socks5://s.test:1080"}, "socks5://s.test:1080"),
    ("http", "example.com", None, {"HTTP_PROXY": "proxy.test"}, "http://proxy.test"),
    ("http", "10.1.2.3", None, {"NO_PROXY": "example.com"}, _PLAIN),
]


@pytest.mark.parametrize(("scheme", "host", "port", "env", "expected"), PROXIES)
def test_proxy_for_matches_httpproxy(
    scheme: str, host: str, port: int | None, env: dict[str, str], expected: str | None
) -> None:
    config = ProxyConfig.from_environment({**_PROXIES, **env})
    assert config.proxy_for(scheme, host, port) == expected


def test_proxy_refused_in_cgi_environment_as_go_does() -> None:
    config = ProxyConfig.from_environment({**_PROXIES, "REQUEST_METHOD": "GET"})
    with pytest.raises(ValueError, match=re.escape(CGI_REFUSAL)):
        config.proxy_for("http", "example.com", None)


def test_lower_case_proxy_variables_count_after_upper_case() -> None:
    env = {"http_proxy": "http://low.test:1", "HTTP_PROXY": "http://up.test:2"}
    assert ProxyConfig.from_environment(env).proxy_for("http", "a.test", None) == "http://up.test:2"
    low = {"http_proxy": "http://low.test:1"}
    assert (
        ProxyConfig.from_environment(low).proxy_for("http", "a.test", None) == "http://low.test:1"
    )


# Texts of *url.Error and Transport refusals that Go 1.26 printed for the binding's requests.
def test_url_error_words_and_redaction() -> None:
    assert [error_op(m) for m in ("GET", "POST", "DELETE", "OPTIONS", "")] == [
        "Get",
        "Post",
        "Delete",
        "Options",
        "Get",
    ]
    assert (
        url_error("POST", "http://user:secret@127.0.0.1:1/x", "boom")
        == 'Post "http://user:***@127.0.0.1:1/x": boom'
    )
    assert redacted("http://user@h/x") == "http://user@h/x"
    assert redacted("http://h/a:b@c") == "http://h/a:b@c"  # an @ in the path is no user info


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Bad": "a\nb"}, 'net/http: invalid header field value for "X-Bad"'),
        ({"X-Bad": "a\x01b"}, 'net/http: invalid header field value for "X-Bad"'),
        ({"X-Bad": "a\x7fb"}, 'net/http: invalid header field value for "X-Bad"'),
        ({"X Bad": "v"}, 'net/http: invalid header field name "X Bad"'),
        ({"X:Bad": "v"}, 'net/http: invalid header field name "X:Bad"'),
        ({"X-Tab": "a\tb", "X-Utf8": "caf\u00e9"}, None),
    ],
)
def test_invalid_header_refusals(headers: dict[str, str], expected: str | None) -> None:
    assert invalid_header(headers) == expected


# (raw header lines, version, status, request method, gunzipped) -> Response.Header, as Go's
# HTTP/1.x reader left it (observed through http.Client on fixed responses).
RESPONSE_HEADERS = [
    (
        [("x-lower", "a"), ("X-Multi", "1"), ("x-multi", "2"), ("x_under", "u"), ("X-Sp", " p ")],
        (1, 1),
        200,
        "GET",
        False,
        {"X-Lower": ["a"], "X-Multi": ["1", "2"], "X_under": ["u"], "X-Sp": ["p"]},
    ),
    (
        [("Transfer-Encoding", "chunked"), ("Trailer", "X-T"), ("Content-Length", "5")],
        (1, 1),
        200,
        "GET",
        False,
        {},
    ),
    ([("Trailer", "X-T"), ("Content-Length", "2")], (1, 1), 200, "GET", False, None),
    ([("Connection", "close")], (1, 1), 200, "GET", False, {}),
    ([("Connection", "keep-alive")], (1, 1), 200, "GET", False, None),
    ([("Connection", "close")], (1, 0), 200, "GET", False, None),
    (
        [("Pragma", "no-cache")],
        (1, 1),
        200,
        "GET",
        False,
        {"Pragma": ["no-cache"], "Cache-Control": ["no-cache"]},
    ),
    (
        [("Content-Length", "2"), ("Content-Length", "2")],
        (1, 1),
        200,
        "GET",
        False,
        {"Content-Length": ["2"]},
    ),
    (
        [("Content-Encoding", "gzip"), ("Content-Length", "34"), ("X-A", "1")],
        (1, 1),
        200,
        "GET",
        True,
        {"X-A": ["1"]},
    ),
    ([("Content-Length", "10")], (1, 1), 200, "HEAD", False, None),
    ([("Content-Length", "0")], (1, 1), 204, "GET", False, None),
]


@pytest.mark.parametrize(
    ("raw", "version", "status", "method", "gunzipped", "expected"), RESPONSE_HEADERS
)
def test_response_headers_as_go_reads_them(
    raw: list[tuple[str, str]],
    version: tuple[int, int],
    status: int,
    method: str,
    gunzipped: bool,
    expected: dict[str, list[str]] | None,
) -> None:
    if expected is None:  # kept as received
        expected = {name: [value] for name, value in raw[:1]} | {
            name: [value] for name, value in raw[1:]
        }
    headers = response_headers(
        raw, version=version, status=status, method=method, gunzipped=gunzipped
    )
    assert headers == expected


def test_status_text_keeps_the_reason_as_received() -> None:
    assert status_text(200, "OK") == "200 OK"
    assert status_text(200, "Fine Thanks") == "200 Fine Thanks"
    assert status_text(418, "I'm a teapot") == "418 I'm a teapot"
    assert status_text(200, "") == "200"


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (301, "POST", ("GET", True, False)),
        (302, "PUT", ("GET", True, False)),
        (302, "HEAD", ("HEAD", True, False)),
        (303, "GET", ("GET", True, False)),
        (307, "POST", ("POST", True, True)),
        (308, "PATCH", ("PATCH", True, True)),
        (300, "GET", ("GET", False, False)),
        (304, "GET", ("GET", False, False)),
        (200, "GET", ("GET", False, False)),
    ],
)
def test_redirect_behaviour(status: int, method: str, expected: tuple[str, bool, bool]) -> None:
    assert redirect_behaviour(status, method) == expected


def test_redirect_headers_drop_credentials_and_body_headers_when_told() -> None:
    initial = {
        "Authorization": "Bearer t",
        "Cookie": "c=1",
        "Content-Type": "text/plain",
        "X-Keep": "k",
    }
    assert redirect_headers(initial, strip_sensitive=True, strip_body=False) == {
        "Content-Type": "text/plain",
        "X-Keep": "k",
    }
    assert redirect_headers(initial, strip_sensitive=False, strip_body=True) == {
        "Authorization": "Bearer t",
        "Cookie": "c=1",
        "X-Keep": "k",
    }
    assert keeps_sensitive_headers("example.com", "api.example.com")
    assert keeps_sensitive_headers("127.0.0.1", "127.0.0.1")
    assert not keeps_sensitive_headers("127.0.0.1", "localhost")
    assert not keeps_sensitive_headers("example.com", "badexample.com")
    assert not keeps_sensitive_headers("example.com", "::1")


def test_referer_of_a_redirect() -> None:
    assert referer("http://u:p@h/a", "http://h/b", "") == "http://h/a"
    assert referer("http://h/a", "http://h/b", "http://me/") == "http://me/"
    assert referer("https://h/a", "http://h/b", "http://me/") == ""

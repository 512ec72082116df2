"""bindings.http pieces without a network: metadata, request building, URLs, bodies, TLS set-up."""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
from pathlib import Path
from unittest import mock

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from daprlite.bindings.http import tls, urls
from daprlite.bindings.http.body import BodyError, read_limited
from daprlite.bindings.http.request import OPERATIONS, InvalidOperation, build, target_url
from daprlite.bindings.http.settings import DEFAULT_MAX_RESPONSE_BODY, HTTPSettings, truthy
from daprlite.bindings.registry import BindingRegistry
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest
from daprlite.model.errors import MetadataError
from tests.integration.tls_certs import Authority


def component(**metadata: str) -> Component:
    lines = {key: 10 + i for i, key in enumerate(metadata)}
    return Component(
        "call", "bindings.http", "v1", metadata, Path("http.yaml"), 3, (), False, 5.0, lines
    )


def settings(**metadata: str) -> HTTPSettings:
    return HTTPSettings.from_component(component(**metadata))


# --- metadata


def test_defaults() -> None:
    s = settings(url="http://h/x")
    assert (s.url, s.response_timeout, s.max_response_body, s.error_if_not_2xx) == (
        "http://h/x",
        None,
        DEFAULT_MAX_RESPONSE_BODY,
        True,
    )
    assert DEFAULT_MAX_RESPONSE_BODY == 100 * 1024 * 1024


def test_the_registry_knows_the_type_as_output_only() -> None:
    registry = BindingRegistry()
    assert registry.supports("bindings.http", "v1")
    assert registry.directions("bindings.http") == ("output",)
    assert list(registry.create_output("bindings.http").operations()) == list(OPERATIONS)


def test_operations_are_daprds_in_daprds_order() -> None:
    assert OPERATIONS == (
        "create",
        "get",
        "head",
        "post",
        "put",
        "patch",
        "delete",
        "options",
        "trace",
    )


def test_metadata_keys_are_case_insensitive_except_error_if_not_2xx(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = settings(URL="http://h", RESPONSETIMEOUT="2s", mtlsrootca="x", errorifnot2xx="false")
    assert (s.url, s.response_timeout, s.root_ca) == ("http://h", 2.0, "x")
    # daprd reads this one by its exact spelling: a differently spelt key is ignored (and named).
    assert s.error_if_not_2xx is True
    assert "errorifnot2xx" in caplog.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("false", False),
        ("0", False),
        ("banana", False),
        ("true", True),
        (" YES ", True),
        ("on", True),
    ],
)
def test_error_if_not_2xx_is_truthy(value: str, expected: bool) -> None:
    assert settings(url="u", errorIfNot2XX=value).error_if_not_2xx is expected
    assert truthy(value) is expected


@pytest.mark.parametrize(
    ("value", "seconds"), [("1s", 1.0), ("1500ms", 1.5), ("3", 3.0), ("1m", 60.0), ("-1s", -1.0)]
)
def test_response_timeout_is_a_duration_or_whole_seconds(value: str, seconds: float) -> None:
    assert settings(url="u", responseTimeout=value).response_timeout == seconds


def test_a_zero_timeout_is_kept_and_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert settings(url="u", responseTimeout="0").response_timeout == 0.0
    assert "every request time out at once" in caplog.text


def test_a_bad_timeout_names_file_and_line() -> None:
    with pytest.raises(MetadataError) as caught:
        settings(url="u", responseTimeout="soon")
    assert str(caught.value).startswith(
        "http.yaml:11: component call: metadata field 'responseTimeout'"
    )


@pytest.mark.parametrize(
    ("value", "size"), [("1Ki", 1024), ("100", 100), ("0", 0), ("-1", -1), ("2M", 2_000_000)]
)
def test_max_response_body_size_is_a_quantity(value: str, size: int) -> None:
    assert settings(url="u", maxResponseBodySize=value).max_response_body == size


def test_a_bad_quantity_is_refused() -> None:
    with pytest.raises(MetadataError, match="maxResponseBodySize") as caught:
        settings(url="u", maxResponseBodySize="10kb")
    assert "quantities must match the regular expression" in caught.value.reason


def test_keys_differing_only_in_case_are_refused_as_daprd_does() -> None:
    with pytest.raises(MetadataError, match="is duplicate in the metadata"):
        settings(url="a", URL="b")


def test_renegotiation_is_spelt_exactly() -> None:
    assert settings(url="u", MTLSRenegotiation="RenegotiateOnceAsClient").renegotiation == (
        "RenegotiateOnceAsClient"
    )
    with pytest.raises(MetadataError, match="is not a valid renegotiation value: never"):
        settings(url="u", MTLSRenegotiation="never")


def test_no_url_starts_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert settings().url == ""
    assert "no url is set" in caplog.text


def test_secrets_stay_out_of_the_settings_repr() -> None:
    s = settings(url="u", securityToken="s3cret", MTLSClientKey="-----BEGIN PRIVATE KEY-----")
    assert "s3cret" not in repr(s) and "PRIVATE" not in repr(s)


# --- the request


def test_operation_is_the_method_and_create_is_post() -> None:
    s = settings(url="http://h")
    methods = {op: build(InvokeRequest(b"d", {}, op), s).method for op in OPERATIONS}
    assert methods == {op: "POST" if op == "create" else op.upper() for op in OPERATIONS}
    bodies = {op: build(InvokeRequest(b"d", {}, op), s).body for op in OPERATIONS}
    assert {op for op, body in bodies.items() if body is not None} == {
        "create",
        "post",
        "put",
        "patch",
    }
    with pytest.raises(InvalidOperation, match=r"^invalid operation: notvalid$"):
        build(InvokeRequest(b"", {}, "notvalid"), s)


@pytest.mark.parametrize(
    ("base", "path", "url"),
    [
        ("http://h/call", "", "http://h/call"),
        ("http://h/call", "x", "http://h/call/x"),
        ("http://h/call/", "/x", "http://h/call/x"),
        ("http://h///", "///x/y?q=1", "http://h/x/y?q=1"),
        ("http://h/b?a=1", "p", "http://h/b?a=1/p"),
    ],
)
def test_path_is_joined_as_text(base: str, path: str, url: str) -> None:
    assert target_url(base, path) == url


def test_capitalised_metadata_keys_become_canonical_headers() -> None:
    metadata = {
        "X-lower-case": "1",
        "x-ignored": "2",
        "path": "/p",
        "Ümlaut": "3",
        "CONTENT-TYPE": "t",
    }
    out = build(InvokeRequest(b"{}", metadata, "post"), settings(url="http://h"))
    assert out.headers == {
        "Content-Type": "t",
        "Accept": "application/json; charset=utf-8",
        "X-Lower-Case": "1",
    }


def test_default_content_type_only_with_a_body() -> None:
    get = build(InvokeRequest(b"x", {}, "get"), settings(url="http://h"))
    assert get.headers == {"Accept": "application/json; charset=utf-8"}


def test_security_token_needs_both_fields_and_metadata_can_override_it() -> None:
    s = settings(url="h", securityToken="t", securityTokenHeader="x-token")
    assert build(InvokeRequest(b"", {}, "get"), s).headers["X-Token"] == "t"
    assert build(InvokeRequest(b"", {"X-Token": "mine"}, "get"), s).headers["X-Token"] == "mine"
    alone = settings(url="h", securityToken="t")
    assert "X-Token" not in build(InvokeRequest(b"", {}, "get"), alone).headers


def test_error_if_not_2xx_per_request_exact_key() -> None:
    s = settings(url="h")
    assert build(InvokeRequest(b"", {"errorIfNot2XX": "false"}, "get"), s).error_if_not_2xx is False
    assert build(InvokeRequest(b"", {"errorifnot2xx": "false"}, "get"), s).error_if_not_2xx is True
    off = settings(url="h", errorIfNot2XX="false")
    assert build(InvokeRequest(b"", {"errorIfNot2XX": "1"}, "get"), off).error_if_not_2xx is True
    assert build(InvokeRequest(b"", {"errorIfNot2XX": ""}, "get"), off).error_if_not_2xx is False


def test_trace_context_overrides_headers_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    request = InvokeRequest(
        b"", {"Traceparent": "mine", "traceparent": "md"}, "get", {"traceparent": "ctx"}
    )
    with caplog.at_level(logging.WARNING):
        headers = build(request, settings(url="h")).headers
    assert headers["Traceparent"] == "ctx"
    assert "A custom Traceparent request header cannot be specified" in caplog.text


# --- URLs


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("http://a b/", 'parse "http://a b/": invalid character " " in host name'),
        (
            "http://127.0.0.1/\x01",
            'parse "http://127.0.0.1/\\x01": net/url: invalid control character in URL',
        ),
        ("http://127.0.0.1/%zz", 'parse "http://127.0.0.1/%zz": invalid URL escape "%zz"'),
        ("http://h:abc/", 'parse "http://h:abc/": invalid port ":abc" after host'),
        ("://h/", 'parse "://h/": missing protocol scheme'),
        ("ftp://127.0.0.1/x", 'Get "ftp://127.0.0.1/x": unsupported protocol scheme "ftp"'),
        (
            "localhost:3000/call",
            'Get "localhost:3000/call": unsupported protocol scheme "localhost"',
        ),
        ("/x", 'Get "/x": unsupported protocol scheme ""'),
        ("", 'Get "": unsupported protocol scheme ""'),
        ("http:///x", 'Get "http:///x": http: no Host in request URL'),
        (
            "http://127.0.0.1:99999/",
            'Get "http://127.0.0.1:99999/": dial tcp: address 99999: invalid port',
        ),
    ],
)
def test_urls_go_refuses(text: str, error: str) -> None:
    with pytest.raises(urls.URLProblem) as caught:
        urls.parse(text, "GET")
    assert str(caught.value) == error


def test_user_info_becomes_basic_auth_and_escaping_is_kept() -> None:
    target = urls.parse("http://u:p%40ss@h:8/a%7Eb?x=%20", "GET")
    assert target.user == ("u", "p@ss")
    assert str(target.url) == "http://h:8/a%7Eb?x=%20"
    assert urls.parse("http://h/a b", "GET").url.raw_path == "/a%20b"


# --- bodies


def stream(*chunks: bytes) -> StreamReader:
    reader = StreamReader(mock.Mock(spec=BaseProtocol), 2**16, loop=asyncio.get_running_loop())
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return reader


async def test_body_limit_truncates_silently() -> None:
    assert await read_limited(stream(b"abc", b"defg"), 5, gunzip=False) == (b"abcde", False)
    assert await read_limited(stream(b"abcde"), 5, gunzip=False) == (b"abcde", True)
    assert await read_limited(stream(b"abc", b"defg"), 0, gunzip=False) == (b"abcdefg", True)
    assert await read_limited(stream(b"abc"), -1, gunzip=False) == (b"abc", True)


async def test_gunzip_reads_concatenated_members_and_stops_at_the_limit() -> None:
    two = gzip.compress(b"hello ") + gzip.compress(b"world")
    assert (await read_limited(stream(two[:7], two[7:]), 0, gunzip=True))[0] == b"hello world"
    data, complete = await read_limited(stream(two), 8, gunzip=True)
    assert (data, complete) == (b"hello wo", False)
    # Past the limit nothing is checked: a broken tail is not an error.
    assert (await read_limited(stream(gzip.compress(b"abc")[:-4] + b"XXXX"), 2, gunzip=True))[
        0
    ] == b"ab"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not gzip", "unexpected EOF"),
        (b"definitely not gzip", "gzip: invalid header"),
        (gzip.compress(b"hello")[:12], "unexpected EOF"),
        (
            gzip.compress(b"hello")[:-8] + b"\x00\x00\x00\x00" + gzip.compress(b"hello")[-4:],
            "gzip: invalid checksum",
        ),
        (gzip.compress(b"hello") + b"trailing junk", "gzip: invalid header"),
    ],
)
async def test_gunzip_errors_are_gos(body: bytes, error: str) -> None:
    with pytest.raises(BodyError, match=f"^{error}$"):
        await read_limited(stream(body), 0, gunzip=True)


async def test_an_empty_gzip_body_is_empty() -> None:
    assert await read_limited(stream(), 0, gunzip=True) == (b"", True)


# --- TLS set-up


@pytest.fixture(scope="module")
def ca() -> Authority:
    return Authority.create("unit CA")


def test_pem_detection_finds_blocks_like_go(ca: Authority) -> None:
    assert [kind for kind, _, _ in tls.pem_blocks(ca.cert.encode())] == ["CERTIFICATE"]
    assert tls.pem_blocks(b"junk before\n" + ca.cert.encode())
    assert not tls.pem_blocks(b"/etc/ssl/ca.pem")
    assert not tls.pem_blocks(
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"
    )


def test_pem_text_or_file_path(ca: Authority, tmp_path: Path) -> None:
    path = tmp_path / "ca.pem"
    path.write_text(ca.cert)
    assert tls.pem_bytes("MTLSRootCA", ca.cert) == ca.cert.encode()
    assert tls.pem_bytes("MTLSRootCA", str(path)) == ca.cert.encode()
    with pytest.raises(tls.TLSProblem, match=r"read .*: is a directory"):
        tls.pem_bytes("MTLSRootCA", str(tmp_path))


def test_a_malformed_key_is_not_repeated_in_the_error() -> None:
    secret = "-----BEGIN PRIVATE KEY-----\nMIIsecret\n"
    with pytest.raises(tls.TLSProblem) as caught:
        tls.pem_bytes("MTLSClientKey", secret)
    assert caught.value.reason == (
        'provided "MTLSClientKey" value is neither a valid file path or nor a valid pem encoded '
        "string: open <value>: no such file or directory"
    )
    assert "MIIsecret" not in caught.value.reason


@pytest.mark.parametrize("memfd", [True, False], ids=["memory file", "private temp file"])
def test_client_certificate_loads_from_pem_text(
    ca: Authority, memfd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = ca.client("c")
    if not memfd:
        monkeypatch.delattr(os, "memfd_create", raising=False)
    s = settings(
        url="https://h", MTLSRootCA=ca.cert, MTLSClientCert=client.cert, MTLSClientKey=client.key
    )
    context = tls.client_context(s)
    assert context.minimum_version.name == "TLSv1_2"
    assert len(context.get_ca_certs()) == 1  # only the given root, not the system's


def test_only_cert_without_key_is_no_client_certificate(ca: Authority) -> None:
    s = settings(url="https://h", MTLSClientCert="not even read")
    assert tls.client_context(s) is not None


def test_a_root_ca_without_certificates_is_refused(ca: Authority) -> None:
    key_only = ca.client("k").key
    with pytest.raises(tls.TLSProblem, match="failed to add root certificate to certpool"):
        tls.client_context(settings(url="https://h", MTLSRootCA=key_only))


def test_missing_pem_data_in_the_key_pair(ca: Authority, tmp_path: Path) -> None:
    client = ca.client("c")
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(tls.TLSProblem, match="failed to find any PEM data in key input"):
        tls.client_context(
            settings(url="https://h", MTLSClientCert=client.cert, MTLSClientKey=str(empty))
        )
    with pytest.raises(tls.TLSProblem, match="failed to find any PEM data in certificate input"):
        tls.client_context(
            settings(url="https://h", MTLSClientCert=str(empty), MTLSClientKey=client.key)
        )


def test_an_encrypted_client_key_is_refused_not_prompted_for(ca: Authority) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
    client = ca.client("c")
    with pytest.raises(tls.TLSProblem, match="tls: failed to parse private key"):
        tls.client_context(
            settings(url="https://h", MTLSClientCert=client.cert, MTLSClientKey=encrypted)
        )

"""bindings.http against a real aiohttp endpoint: components-contrib's http_test.go, case by
case (plain HTTP, HTTPS and mTLS with certificates made here), plus gzip and proxies."""

from __future__ import annotations

import gzip
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from daprlite.bindings.http.errors import HTTPInvokeError
from daprlite.bindings.http.output import HTTPOutput
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import MetadataError
from tests.integration.http_echo_server import EchoServer
from tests.integration.http_test_go_cases import DEFAULT_BEHAVIOURS, NON_2XX_SUPPRESSED, Case
from tests.integration.tls_certs import Authority

Bind = Callable[..., Awaitable[HTTPOutput]]


@pytest.fixture
async def bind() -> AsyncIterator[Bind]:
    """`await bind(url, **metadata)`: an initialised binding, closed after the test."""
    made: list[HTTPOutput] = []

    async def create(url: str, **metadata: str) -> HTTPOutput:
        binding = HTTPOutput()
        component = Component(
            "call", "bindings.http", "v1", {"url": url, **metadata}, Path("http.yaml"), 1
        )
        await binding.init(component)
        made.append(binding)
        return binding

    yield create
    for binding in made:
        await binding.close()


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = await EchoServer().start()
    yield server
    await server.stop()


async def outcome(binding: HTTPOutput, request: InvokeRequest) -> tuple[str, InvokeResponse]:
    try:
        response = await binding.invoke(request)
    except HTTPInvokeError as exc:
        return str(exc), exc.response or InvokeResponse()
    assert response is not None  # the HTTP binding always answers with data and metadata
    return "", response


async def verify(binding: HTTPOutput, server: EchoServer, case: Case) -> None:
    """verifyDefaultBehaviors / verifyNon2XXErrorsSuppressed for one case."""
    error, response = await outcome(binding, case.request())
    assert error == case.error
    if case.error:
        return
    assert server.path == case.path
    if case.status != 204:
        assert response.data == case.input.upper().encode()
    assert response.metadata["Content-Type"] == "text/plain"
    assert response.metadata["statusCode"] == str(case.status)


@pytest.mark.parametrize("name", DEFAULT_BEHAVIOURS)
async def test_default_behaviour(bind: Bind, echo: EchoServer, name: str) -> None:
    await verify(await bind(echo.url), echo, DEFAULT_BEHAVIOURS[name])


@pytest.mark.parametrize("name", NON_2XX_SUPPRESSED)
async def test_non_2xx_errors_suppressed(bind: Bind, echo: EchoServer, name: str) -> None:
    binding = await bind(echo.url, errorIfNot2XX="false")
    await verify(binding, echo, NON_2XX_SUPPRESSED[name])


async def test_a_failed_status_still_carries_the_response(bind: Bind, echo: EchoServer) -> None:
    binding = await bind(echo.url)
    with pytest.raises(HTTPInvokeError, match=r"^received status code 404$") as caught:
        await binding.invoke(Case("missing", "post", "/x", 404).request())
    assert caught.value.response is not None
    assert caught.value.response.data == b"MISSING"
    assert caught.value.response.metadata["statusCode"] == "404"
    assert caught.value.response.metadata["status"] == "404 Not Found"


async def test_head_returns_headers_and_no_body(bind: Bind, echo: EchoServer) -> None:
    response = await (await bind(echo.url)).invoke(InvokeRequest(b"ignored", {}, "head"))
    assert response is not None
    assert (response.data, response.metadata["Content-Type"]) == (b"", "text/plain")
    assert echo.bodies == [b""]


@pytest.mark.parametrize(
    ("metadata", "sent"),
    [({"securityTokenHeader": "X-Token", "securityToken": "12345"}, "12345"), ({}, None)],
)
async def test_security_token_header(
    bind: Bind, echo: EchoServer, metadata: dict[str, str], sent: str | None
) -> None:
    binding = await bind(echo.url, **metadata)
    error, _ = await outcome(binding, Case("GET", "get", "/", 200).request())
    assert error == ""
    assert echo.headers.get("X-Token") == sent


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (
            {"traceparent": "12345", "tracestate": "67890", "baggage": "key1=value1"},
            {"Traceparent": "12345", "Tracestate": "67890", "Baggage": "key1=value1"},
        ),
        ({"traceparent": "", "tracestate": "", "baggage": ""}, {}),
        (
            {
                "Traceparent": "abcde",
                "Tracestate": "fghijk",
                "Baggage": "oldvalue",
                "traceparent": "12345",
                "tracestate": "67890",
                "baggage": "key1=value1",
            },
            {"Traceparent": "12345", "Tracestate": "67890", "Baggage": "key1=value1"},
        ),
    ],
    ids=["forwarded", "not forwarded if empty", "override headers in request metadata"],
)
async def test_trace_headers(
    bind: Bind, echo: EchoServer, metadata: dict[str, str], expected: dict[str, str]
) -> None:
    binding = await bind(echo.url)
    case = Case("GET", "get", "/", 200, metadata=tuple(metadata.items()))
    assert (await outcome(binding, case.request()))[0] == ""
    trace = {k: v for k, v in echo.headers.items() if k in ("Traceparent", "Tracestate", "Baggage")}
    assert trace == expected


async def test_the_callers_trace_context_is_sent(bind: Bind, echo: EchoServer) -> None:
    # What a gRPC caller's traceparent becomes: daprd copies it over the metadata's.
    request = InvokeRequest(b"", {"traceparent": "00-old"}, "get", {"traceparent": "00-caller"})
    await (await bind(echo.url)).invoke(request)
    assert echo.headers["Traceparent"] == "00-caller"


async def test_response_timeout_honoured(bind: Bind, echo: EchoServer) -> None:
    binding = await bind(echo.url, responseTimeout="1s")
    error, _ = await outcome(
        binding, Case("GET", "get", "/", 200, metadata=(("X-Hang", "1"),)).request()
    )
    assert error == f'Get "{echo.url}/": context deadline exceeded'
    error, response = await outcome(binding, Case("GET", "get", "/", 200).request())
    assert (error, response.data) == ("", b"GET")


async def test_max_response_body_size_honoured(bind: Bind, echo: EchoServer) -> None:
    binding = await bind(echo.url, maxResponseBodySize="1Ki")
    error, response = await outcome(binding, Case("GET", "get", "/large", 200).request())
    assert error == ""
    assert response.data == (b"12345" * 1024)[:1024]
    # The connection that was cut off is not reused; the next call still works.
    error, response = await outcome(binding, Case("GET", "get", "/", 200).request())
    assert (error, response.data) == ("", b"GET")


async def test_default_body_limit_is_100_mebibytes(bind: Bind, echo: EchoServer) -> None:
    error, response = await outcome(
        await bind(echo.url), Case("GET", "get", "/large", 200).request()
    )
    assert (error, len(response.data)) == ("", 5 * 1024)


async def test_a_gzipped_answer_is_unzipped_when_the_binding_asked(bind: Bind) -> None:
    async def zipped(request: web.Request) -> web.Response:
        body = gzip.compress(b"x" * 2000)
        return web.Response(
            body=body,
            headers={
                "Content-Encoding": "gzip",
                "X-Seen": request.headers.get("Accept-Encoding", ""),
            },
        )

    app = web.Application()
    app.router.add_get("/z", zipped)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        binding = await bind(f"http://127.0.0.1:{port}/z")
        unzipped = await binding.invoke(InvokeRequest(b"", {}, "get"))
        raw = await binding.invoke(InvokeRequest(b"", {"Accept-Encoding": "gzip"}, "get"))
    finally:
        await runner.cleanup()
    assert unzipped is not None and raw is not None
    assert unzipped.data == b"x" * 2000
    assert unzipped.metadata["X-Seen"] == "gzip"
    assert "Content-Encoding" not in unzipped.metadata and "Content-Length" not in unzipped.metadata
    assert gzip.decompress(raw.data) == b"x" * 2000
    assert raw.metadata["Content-Encoding"] == "gzip"


async def test_user_info_in_the_url_is_basic_auth_unless_a_header_says_otherwise(
    bind: Bind, echo: EchoServer
) -> None:
    binding = await bind(echo.url.replace("://", "://user:p%40ss@"))
    await binding.invoke(InvokeRequest(b"", {}, "get"))
    assert echo.headers["Authorization"] == "Basic dXNlcjpwQHNz"  # user:p@ss
    await binding.invoke(InvokeRequest(b"", {"Authorization": "Bearer t"}, "get"))
    assert echo.headers["Authorization"] == "Bearer t"


async def test_an_unknown_host_is_a_lookup_error(bind: Bind) -> None:
    error, _ = await outcome(await bind("http://nope.invalid/x"), InvokeRequest(b"", {}, "get"))
    assert error == 'Get "http://nope.invalid/x": dial tcp: lookup nope.invalid: no such host'


# --- HTTPS and mTLS (TestDefaultBehaviorHTTPS, TestNon2XXErrorsSuppressedHTTPS, TestHTTPSBinding)


@dataclass(frozen=True)
class PKI:
    ca: Path
    client_cert: Path
    client_key: Path
    ca_pem: str
    client_pem: str
    client_key_pem: str
    authority: Authority


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    folder = tmp_path_factory.mktemp("testdata")
    authority = Authority.create("CA")
    client = authority.client("client")
    files = {"ca.pem": authority.cert, "client.pem": client.cert, "client.key": client.key}
    for name, text in files.items():
        (folder / name).write_text(text)
    return PKI(
        folder / "ca.pem",
        folder / "client.pem",
        folder / "client.key",
        authority.cert,
        client.cert,
        client.key,
        authority,
    )


def server_context(pki: PKI, client_auth: bool) -> ssl.SSLContext:
    issued = pki.authority.server()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    folder = pki.ca.parent
    (folder / "server.pem").write_text(issued.cert)
    (folder / "server.key").write_text(issued.key)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    context.load_verify_locations(cadata=pki.ca_pem)
    context.verify_mode = ssl.CERT_REQUIRED if client_auth else ssl.CERT_OPTIONAL
    return context


@dataclass(frozen=True)
class TLSEcho:
    server: EchoServer
    client_auth: bool  # whether the server asks for (and requires) a client certificate


@pytest.fixture(params=[True, False], ids=["client auth required", "client auth not required"])
async def tls_echo(request: pytest.FixtureRequest, pki: PKI) -> AsyncIterator[TLSEcho]:
    server = await EchoServer(tls=server_context(pki, request.param)).start()
    yield TLSEcho(server, request.param)
    await server.stop()


def tls_metadata(pki: PKI, client_auth: bool, as_text: bool) -> dict[str, str]:
    if as_text:
        metadata = {"MTLSRootCA": pki.ca_pem}
        if client_auth:
            metadata |= {"MTLSClientCert": pki.client_pem, "MTLSClientKey": pki.client_key_pem}
        return metadata
    metadata = {"MTLSRootCA": str(pki.ca)}
    if client_auth:
        metadata |= {"MTLSClientCert": str(pki.client_cert), "MTLSClientKey": str(pki.client_key)}
    return metadata


@pytest.mark.parametrize("as_text", [False, True], ids=["file paths", "PEM text"])
@pytest.mark.parametrize("name", DEFAULT_BEHAVIOURS)
async def test_default_behaviour_https(
    bind: Bind, tls_echo: TLSEcho, pki: PKI, name: str, as_text: bool
) -> None:
    server = tls_echo.server
    binding = await bind(server.url, **tls_metadata(pki, tls_echo.client_auth, as_text))
    await verify(binding, server, DEFAULT_BEHAVIOURS[name])


@pytest.mark.parametrize("name", NON_2XX_SUPPRESSED)
async def test_non_2xx_errors_suppressed_https(
    bind: Bind, tls_echo: TLSEcho, pki: PKI, name: str
) -> None:
    server = tls_echo.server
    metadata = tls_metadata(pki, tls_echo.client_auth, as_text=False) | {"errorIfNot2XX": "false"}
    await verify(await bind(server.url, **metadata), server, NON_2XX_SUPPRESSED[name])


@pytest.fixture
async def mtls_required(pki: PKI) -> AsyncIterator[EchoServer]:
    server = await EchoServer(tls=server_context(pki, client_auth=True)).start()
    yield server
    await server.stop()


async def test_https_with_valid_client_cert(
    bind: Bind, mtls_required: EchoServer, pki: PKI
) -> None:
    binding = await bind(mtls_required.url, **tls_metadata(pki, True, as_text=False))
    for case in (Case("GET", "get", "/testmTLS", 200), Case("EXPECTED", "post", "/testmTLS", 201)):
        error, response = await outcome(binding, case.request())
        assert error == ""
        assert int(response.data) > 0


async def test_https_without_client_cert_when_required_fails(
    bind: Bind, mtls_required: EchoServer, pki: PKI
) -> None:
    binding = await bind(mtls_required.url, MTLSRootCA=str(pki.ca))
    error, _ = await outcome(binding, Case("GET", "get", "/testmTLS", 200).request())
    # Go reads the server's TLS 1.3 alert ("remote error: tls: certificate required"); Python's
    # asyncio TLS layer reports only that the connection closed, which Go words "EOF".
    assert error == f'Get "{mtls_required.url}/testmTLS": EOF'


async def test_https_with_no_tls_metadata_does_not_trust_a_private_ca(
    bind: Bind, mtls_required: EchoServer
) -> None:
    binding = await bind(mtls_required.url)
    error, _ = await outcome(binding, Case("GET", "get", "/testmTLS", 200).request())
    assert error == (
        f'Get "{mtls_required.url}/testmTLS": tls: failed to verify certificate: '
        "x509: certificate signed by unknown authority"
    )


async def test_https_without_client_cert_when_not_required(bind: Bind, pki: PKI) -> None:
    server = await EchoServer(tls=server_context(pki, client_auth=False)).start()
    try:
        binding = await bind(server.url, MTLSRootCA=str(pki.ca))
        for case in (
            Case("GET", "get", "/testmTLS", 200),
            Case("EXPECTED", "post", "/testmTLS", 201),
        ):
            error, response = await outcome(binding, case.request())
            assert (error, response.data) == ("", b"0")
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("metadata", "field", "reason"),
    [
        (
            {"MTLSRootCA": "/nonexistent/ca.pem"},
            "MTLSRootCA",
            'provided "MTLSRootCA" value is neither a valid file path or nor a valid pem encoded '
            "string: open /nonexistent/ca.pem: no such file or directory",
        ),
        ({"MTLSRootCA": "__PEM_KEY__"}, "MTLSRootCA", "failed to add root certificate to certpool"),
        (
            {"MTLSClientCert": "__PEM_CERT__", "MTLSClientKey": "__OTHER_KEY__"},
            "MTLSClientCert",
            "failed to load client certificate: tls: private key does not match public key",
        ),
        (
            {"MTLSRenegotiation": "renegotiateNever"},
            "MTLSRenegotiation",
            "is not a valid renegotiation value: renegotiateNever (use one of RenegotiateNever, "
            "RenegotiateOnceAsClient, RenegotiateFreelyAsClient)",
        ),
        (
            {"maxResponseBodySize": "1.5"},
            "maxResponseBodySize",
            "is not a valid byte size such as 1024, 10Ki or 100Mi: cannot get bytes from resource "
            "quantity value '1.5'",
        ),
    ],
)
async def test_init_refuses_what_daprd_refuses(
    bind: Bind, pki: PKI, metadata: dict[str, str], field: str, reason: str
) -> None:
    other = pki.authority.client("other")
    values = {
        "__PEM_KEY__": pki.client_key_pem,
        "__PEM_CERT__": pki.client_pem,
        "__OTHER_KEY__": other.key,
    }
    metadata = {k: values.get(v, v) for k, v in metadata.items()}
    with pytest.raises(MetadataError) as caught:
        await bind("https://127.0.0.1:1", **metadata)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert "PRIVATE KEY" not in str(caught.value)


async def test_renegotiation_values_daprd_accepts(bind: Bind, echo: EchoServer) -> None:
    for value in ("RenegotiateNever", "RenegotiateOnceAsClient", "RenegotiateFreelyAsClient"):
        binding = await bind(echo.url, MTLSRenegotiation=value)
        assert (await outcome(binding, Case("GET", "get", "/", 200).request()))[0] == ""


# --- proxies, as Go's transport takes them from the environment


async def test_http_proxy_from_the_environment(
    bind: Bind, echo: EchoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.Response(text="via proxy", headers={"Content-Type": "text/plain"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "skip.invalid")
    try:
        remote = await bind("http://upstream.invalid/base")
        response = await remote.invoke(InvokeRequest(b"", {"path": "x"}, "get"))
        local = await bind(echo.url)  # loopback: never through a proxy
        direct = await local.invoke(InvokeRequest(b"", {}, "get"))
        skipped = await bind("http://skip.invalid:1/")
        error, _ = await outcome(skipped, InvokeRequest(b"", {}, "get"))
    finally:
        await runner.cleanup()
    assert response is not None and response.data == b"via proxy"
    assert seen == ["http://upstream.invalid/base/x"]
    assert direct is not None and direct.data == b"GET"
    assert error.startswith('Get "http://skip.invalid:1/": dial tcp')

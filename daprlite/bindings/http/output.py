"""bindings.http output: one HTTP call per invoke, as daprd's HTTP binding makes it.

One aiohttp session per binding instance (a pooled keep-alive client, like daprd's shared
transport), closed by `close`. Go's client rules are followed rather than aiohttp's: its
redirect policy, its default headers, its transparent gzip, its error texts.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from yarl import URL

from daprlite.bindings.http import urls
from daprlite.bindings.http.body import BodyError, read_limited
from daprlite.bindings.http.errors import (
    HTTPInvokeError,
    body_reason,
    connection_reason,
)
from daprlite.bindings.http.request import OPERATIONS, InvalidOperation, Outgoing, build
from daprlite.bindings.http.settings import HTTPSettings
from daprlite.bindings.http.tls import TLSProblem, client_context
from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.httpclient import (
    MAX_REDIRECTS,
    NOT_SENT_FROM_HEADERS,
    USER_AGENT,
    invalid_header,
    keeps_sensitive_headers,
    redirect_behaviour,
    redirect_headers,
    referer,
    response_headers,
    status_text,
    url_error,
    wire_value,
)
from daprlite.gocompat.httpproxy import ProxyConfig
from daprlite.gocompat.strconv import quote
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse

DIAL_TIMEOUT = 15.0  # daprd's dialer and TLS handshake timeouts
IDLE_TIMEOUT = 90.0  # Go's default transport keeps idle connections this long
MAX_HEADER_BYTES = 1 << 20  # Go's default limit on response headers
# aiohttp must add none of its own headers: Go's client decides them (see _wire_headers).
_SKIP_AUTO = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


class _GoRequest(aiohttp.ClientRequest):
    """aiohttp's request, minus the `Content-Length: 0` it adds to a DELETE without a body
    (Go sends none)."""

    GET_METHODS = aiohttp.ClientRequest.GET_METHODS | {"DELETE"}


@dataclass(slots=True)
class _Exchange:
    """One hop's response and what the transport did for it."""

    response: aiohttp.ClientResponse
    method: str
    gunzip: bool


class HTTPOutput:
    def __init__(self) -> None:
        self._settings: HTTPSettings | None = None
        self._session: aiohttp.ClientSession | None = None
        self._proxies = ProxyConfig.from_environment()

    @staticmethod
    def check_metadata(component: Component) -> None:
        settings = HTTPSettings.from_component(component)
        try:
            client_context(settings)  # reads the certificates, as init does
        except TLSProblem as problem:
            raise MetadataReader(component).error(problem.field, problem.reason) from None

    async def init(self, component: Component) -> None:
        self._settings = settings = HTTPSettings.from_component(component)
        try:
            context = await asyncio.to_thread(client_context, settings)
        except TLSProblem as problem:
            raise MetadataReader(component).error(problem.field, problem.reason) from None
        connector = aiohttp.TCPConnector(ssl=context, limit=0, keepalive_timeout=IDLE_TIMEOUT)
        self._session = aiohttp.ClientSession(
            connector=connector,
            request_class=_GoRequest,
            # Go's client keeps no cookies, follows redirects by its own rules and unzips
            # only what it asked to be zipped; aiohttp would do all three differently.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=_SKIP_AUTO,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=DIAL_TIMEOUT),
            max_line_size=MAX_HEADER_BYTES,
            max_field_size=MAX_HEADER_BYTES,
        )

    def operations(self) -> Sequence[str]:
        return list(OPERATIONS)

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        assert self._settings is not None and self._session is not None, "init() first"
        settings = self._settings
        try:
            outgoing = build(request, settings)
        except InvalidOperation as exc:
            raise HTTPInvokeError(str(exc)) from None
        deadline = None
        if settings.response_timeout is not None:
            deadline = asyncio.get_running_loop().time() + settings.response_timeout
        exchange: _Exchange | None = None
        complete = False
        try:
            async with asyncio.timeout_at(deadline):
                exchange = await self._round_trips(outgoing)
                data, complete = await self._read(exchange)
        except TimeoutError:
            # Go's context deadline: the whole call, redirects and body included.
            if exchange is None:
                reason = url_error(outgoing.method, outgoing.url, "context deadline exceeded")
                raise HTTPInvokeError(reason) from None
            raise HTTPInvokeError("context deadline exceeded") from None
        finally:
            if exchange is not None:
                # The rest of a cut-off body is not read (daprd drains it): the connection
                # is dropped instead, so a huge or endless body cannot hold the call.
                (exchange.response.release if complete else exchange.response.close)()
        metadata = _metadata(exchange)
        status = exchange.response.status
        answer = InvokeResponse(data, metadata)
        if outgoing.error_if_not_2xx and status // 100 != 2:
            raise HTTPInvokeError(f"received status code {status}", answer)
        return answer

    async def _read(self, exchange: _Exchange) -> tuple[bytes, bool]:
        assert self._settings is not None
        try:
            return await read_limited(
                exchange.response.content, self._settings.max_response_body, exchange.gunzip
            )
        except BodyError as exc:
            raise HTTPInvokeError(str(exc)) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise HTTPInvokeError(body_reason(exc)) from None

    async def _round_trips(self, outgoing: Outgoing) -> _Exchange:
        """Send, and follow redirects as Go's default client does (at most 10)."""
        try:
            target = urls.parse(outgoing.url, outgoing.method)
        except urls.URLProblem as exc:
            raise HTTPInvokeError(str(exc)) from None
        first = target.url
        method, body, url_text = outgoing.method, outgoing.body, outgoing.url
        headers = dict(outgoing.headers)
        keep_body, strip_sensitive, sent = True, False, 0
        while True:
            exchange = await self._send(outgoing.method, method, target, headers, body, url_text)
            sent += 1
            response = exchange.response
            next_method, follow, body_on_hop = redirect_behaviour(response.status, method)
            location = response.headers.get("Location", "") if follow else ""
            if not location:
                # Go returns a 3xx without Location as it is (and every other status).
                return exchange
            response.release()
            try:
                next_url = urls.resolve(target.url, location)
            except ValueError as exc:
                reason = f"failed to parse Location header {quote(location)}: {exc}"
                raise HTTPInvokeError(url_error(outgoing.method, url_text, reason)) from None
            if sent >= MAX_REDIRECTS:
                reason = f"stopped after {MAX_REDIRECTS} redirects"
                raise HTTPInvokeError(url_error(outgoing.method, location, reason))
            keep_body = keep_body and body_on_hop
            if not strip_sensitive and _authority(first) != _authority(next_url):
                strip_sensitive = not keeps_sensitive_headers(
                    first.raw_host or "", next_url.raw_host or ""
                )
            headers = redirect_headers(
                outgoing.headers, strip_sensitive=strip_sensitive, strip_body=not keep_body
            )
            previous = str(target.url)
            target = urls.Target(next_url.with_user(None), _user(next_url))
            url_text = str(target.url)
            ref = referer(previous, url_text, headers.get("Referer", ""))
            if ref:
                headers["Referer"] = ref
            method = next_method
            body = outgoing.body if keep_body else None

    async def _send(
        self,
        first_method: str,
        method: str,
        target: urls.Target,
        headers: dict[str, str],
        body: bytes | None,
        url_text: str,
    ) -> _Exchange:
        assert self._session is not None
        problem = invalid_header(headers)
        if problem:
            raise HTTPInvokeError(url_error(first_method, url_text, problem))
        wire, gunzip_asked = _wire_headers(method, target, headers, body)
        url = target.url
        host, port = url.raw_host or "", url.port or 0
        try:
            proxy = self._proxies.proxy_for(url.scheme, host, url.explicit_port)
        except ValueError as exc:
            raise HTTPInvokeError(url_error(first_method, url_text, str(exc))) from None
        if proxy and not proxy.startswith("http"):
            reason = f"daprlite cannot use the proxy {proxy} (only http and https proxies)"
            raise HTTPInvokeError(url_error(first_method, url_text, reason))
        try:
            response = await self._session.request(
                method, url, headers=wire, data=body, allow_redirects=False, proxy=proxy
            )
        except (aiohttp.ClientError, OSError) as exc:
            reason = connection_reason(exc, host, port)
            raise HTTPInvokeError(url_error(first_method, url_text, reason)) from None
        # Go unzips only what it asked for, and only a body that can exist.
        gunzip = (
            gunzip_asked
            and response.headers.get("Content-Encoding", "").lower() == "gzip"
            and response.content_length != 0
            and response.status not in (204, 304)
        )
        return _Exchange(response, method, gunzip)

    async def close(self) -> None:
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.close()
            self._session = None


def _wire_headers(
    method: str, target: urls.Target, headers: dict[str, str], body: bytes | None
) -> tuple[dict[str, str], bool]:
    """What Go's transport writes for a Header map, and whether it asked for gzip itself."""
    wire = {
        name: wire_value(value)
        for name, value in headers.items()
        if name not in NOT_SENT_FROM_HEADERS and name != "User-Agent"
    }
    agent = wire_value(headers.get("User-Agent", USER_AGENT))
    if agent:  # an empty User-Agent metadata value sends none
        wire["User-Agent"] = agent
    if target.user is not None and not headers.get("Authorization"):
        user, password = target.user
        wire["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    gunzip_asked = not headers.get("Accept-Encoding") and not headers.get("Range")
    gunzip_asked = gunzip_asked and method != "HEAD"
    if gunzip_asked:
        wire["Accept-Encoding"] = "gzip"
    if body is not None and not body:
        wire["Content-Length"] = "0"  # Go announces an empty body of a POST, PUT or PATCH
    return wire, gunzip_asked


def _metadata(exchange: _Exchange) -> dict[str, str]:
    response = exchange.response
    raw = [
        (name.decode("latin-1"), value.decode("utf-8", "replace"))
        for name, value in response.raw_headers
    ]
    version = response.version or aiohttp.HttpVersion11
    headers = response_headers(
        raw,
        version=(version.major, version.minor),
        status=response.status,
        method=exchange.method,
        gunzipped=exchange.gunzip,
    )
    metadata = {
        "statusCode": str(response.status),
        "status": status_text(response.status, response.reason or ""),
    }
    for name, values in headers.items():
        metadata[name] = ", ".join(values)
    return metadata


def _authority(url: URL) -> tuple[str, int | None]:
    return ((url.raw_host or "").lower(), url.explicit_port)


def _user(url: URL) -> tuple[str, str] | None:
    return None if url.raw_user is None else (url.user or "", url.password or "")

"""Go's `net/http` client rules that shape a request daprd sends and the response it reports.

What the default `http.Client` checks before sending, how it follows redirects (which method,
body and headers go on), how it words its errors, and what its HTTP/1.x reader does to the
response headers before a caller sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from daprlite.gocompat.headers import canonical_mime_header_key, is_token
from daprlite.gocompat.strconv import quote

MAX_REDIRECTS = 10  # defaultCheckRedirect
USER_AGENT = "Go-http-client/1.1"
# Set from the URL and the body, never from the header map (Request.Write's exclusions).
NOT_SENT_FROM_HEADERS = frozenset({"Host", "Content-Length", "Transfer-Encoding", "Trailer"})
_SENSITIVE = frozenset(
    {"Authorization", "Www-Authenticate", "Cookie", "Cookie2"}
    | {"Proxy-Authorization", "Proxy-Authenticate"}
)
_ABOUT_BODY = frozenset(
    {"Content-Encoding", "Content-Language", "Content-Location", "Content-Type"}
)
_NO_BODY_STATUSES = frozenset({204, 304})


def error_op(method: str) -> str:
    """`url.Error.Op` for a method: `Get`, `Post`, `Delete`."""
    return method[:1] + method[1:].lower() if method else "Get"


def url_error(method: str, url: str, reason: str) -> str:
    """The text of the `*url.Error` that `Client.Do` returns: `Get "http://h/x": reason`."""
    return f"{error_op(method)} {quote(redacted(url))}: {reason}"


def redacted(url: str) -> str:
    """`URL.Redacted`: a password in the URL shows as `***`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    userinfo, at, _host = rest[:authority_end].rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{rest[len(userinfo) + 1 :]}"


def without_userinfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    userinfo, at, _host = rest[:authority_end].rpartition("@")
    if not sep or not at:
        return url
    return f"{scheme}://{rest[len(userinfo) + 1 :]}"


def valid_header_value(value: str) -> bool:
    """httpguts.ValidHeaderFieldValue: no control byte except a tab."""
    return not any((ord(c) < 0x20 and c != "\t") or c == "\x7f" for c in value)


def invalid_header(headers: Mapping[str, str]) -> str | None:
    """The Transport's refusal of a header map it cannot send, or None when all is well."""
    for name, value in headers.items():
        if not is_token(name):
            return f"net/http: invalid header field name {quote(name)}"
        if not valid_header_value(value):
            # Go leaves the value out of the message: it may be a secret.
            return f"net/http: invalid header field value for {quote(name)}"
    return None


def wire_value(value: str) -> str:
    """What Go writes for a header value: leading and trailing spaces and tabs trimmed."""
    return value.strip(" \t\r\n")


def response_headers(
    raw: Iterable[tuple[str, str]],
    *,
    version: tuple[int, int],
    status: int,
    method: str,
    gunzipped: bool,
) -> dict[str, list[str]]:
    """The `Response.Header` Go's HTTP/1.x reader builds from the header lines as received.

    Names are canonicalised and repeated ones collected in order; the reader then removes
    what describes the transfer rather than the content, as ReadResponse does.
    """
    headers: dict[str, list[str]] = {}
    for name, value in raw:
        headers.setdefault(canonical_mime_header_key(name), []).append(value.strip(" \t"))
    if headers.get("Pragma", [""])[0] == "no-cache":
        headers.setdefault("Cache-Control", ["no-cache"])
    chunked = "Transfer-Encoding" in headers and version >= (1, 1)
    headers.pop("Transfer-Encoding", None)
    lengths = headers.get("Content-Length")
    if lengths and len(lengths) > 1 and len({v.strip(" \t") for v in lengths}) == 1:
        headers["Content-Length"] = [lengths[0].strip(" \t")]
    body_expected = method != "HEAD" and status >= 200 and status not in _NO_BODY_STATUSES
    if chunked and body_expected:
        headers.pop("Content-Length", None)
    if chunked:
        headers.pop("Trailer", None)
    if version >= (1, 1) and _has_token(headers.get("Connection", []), "close"):
        headers.pop("Connection", None)
    if gunzipped:
        headers.pop("Content-Encoding", None)
        headers.pop("Content-Length", None)
    return headers


def _has_token(values: list[str], token: str) -> bool:
    return any(part.strip(" \t").lower() == token for value in values for part in value.split(","))


def status_text(status: int, reason: str) -> str:
    """`Response.Status` over HTTP/1.x: the status line after the version, as received."""
    return f"{status} {reason}" if reason else str(status)


def redirect_behaviour(status: int, method: str) -> tuple[str, bool, bool]:
    """(next method, follow?, resend the body?) for a response, as `redirectBehavior` decides.

    The binding's requests can always replay their body, so 307 and 308 are always followed.
    """
    if status in (301, 302, 303):
        return (method if method in ("GET", "HEAD") else "GET"), True, False
    if status in (307, 308):
        return method, True, True
    return method, False, False


def redirect_headers(
    initial: Mapping[str, str], *, strip_sensitive: bool, strip_body: bool
) -> dict[str, str]:
    """The headers of the first request that a redirected one carries on."""
    return {
        name: value
        for name, value in initial.items()
        if not (strip_sensitive and name in _SENSITIVE) and not (strip_body and name in _ABOUT_BODY)
    }


def keeps_sensitive_headers(initial_host: str, next_host: str) -> bool:
    """Whether credentials may follow a redirect: to the same host or one of its subdomains."""
    initial_host, next_host = initial_host.lower(), next_host.lower()
    if next_host == initial_host:
        return True
    if ":" in next_host or "%" in next_host:  # an IPv6 address, never a subdomain
        return False
    return next_host.endswith("." + initial_host)


def referer(last_url: str, next_url: str, explicit: str) -> str:
    """The Referer of a redirected request; empty when going from https to http."""
    if last_url.startswith("https:") and next_url.startswith("http:"):
        return ""
    return explicit or without_userinfo(last_url)

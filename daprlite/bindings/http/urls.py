"""The request URL checked as Go checks it, then handed to aiohttp unchanged.

Go's `url.Parse` errors come back from daprd as `parse "<url>": <reason>`; the client's own
refusals (scheme, host, port) as `Get "<url>": <reason>`. A URL that is already well escaped
goes on the wire byte for byte, as Go sends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yarl import URL

from daprlite.gocompat.httpclient import redacted, url_error
from daprlite.gocompat.strconv import quote

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Bytes Go accepts in a host (plus any non-ASCII); anything else is "invalid character".
_HOST_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]<>\"%"
)
_CLEAN = re.compile(r"[\x21-\x7e]*")


class URLProblem(Exception):
    """The whole error text daprd would return for this URL."""


@dataclass(frozen=True, slots=True)
class Target:
    url: URL  # without user info
    user: tuple[str, str] | None  # (user, password) from the URL, for Basic auth


def parse(text: str, method: str) -> Target:
    """`text` as a request target, or URLProblem worded as Go words it."""
    reason = _parse_problem(text)
    if reason:
        # Go shows the URL whole here, password included; daprlite hides it as Go does elsewhere.
        raise URLProblem(f"parse {quote(redacted(text))}: {reason}")
    scheme = text.partition(":")[0]
    scheme = scheme.lower() if _SCHEME.fullmatch(scheme) else ""
    if scheme not in ("http", "https"):
        raise URLProblem(url_error(method, text, f"unsupported protocol scheme {quote(scheme)}"))
    port = _port(text)
    if port and int(port) > 65535:
        raise URLProblem(url_error(method, text, f"dial tcp: address {port}: invalid port"))
    clean = _CLEAN.fullmatch(text) is not None
    try:
        url = URL(text, encoded=clean)
    except ValueError as exc:
        raise URLProblem(f"parse {quote(redacted(text))}: {exc}") from None
    if not url.raw_host:
        raise URLProblem(url_error(method, text, "http: no Host in request URL"))
    user = None
    if url.raw_user is not None:
        user = (url.user or "", url.password or "")
        url = url.with_user(None)
    return Target(url, user)


def resolve(current: URL, location: str) -> URL:
    """A redirect's Location against the URL it answered; ValueError when it does not parse."""
    reason = _parse_problem(location)
    if reason:
        raise ValueError(reason)
    return current.join(URL(location, encoded=_CLEAN.fullmatch(location) is not None))


def _parse_problem(text: str) -> str:
    """Go's url.Parse complaint about `text`, or "" when it parses."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return "net/url: invalid control character in URL"
    if text.startswith(":"):
        return "missing protocol scheme"
    without_fragment = text.split("#", 1)[0]
    scheme, sep, rest = without_fragment.partition(":")
    if not sep or not _SCHEME.fullmatch(scheme) or not rest.startswith("//"):
        return _escape_problem(without_fragment.split("?", 1)[0])
    authority, slash, path = rest[2:].partition("/")
    authority, _, _ = authority.partition("?")
    path = (slash + path).split("?", 1)[0]
    host = authority.rpartition("@")[2]
    host_name, port = _split_port(host)
    if port and not port[1:].isdigit():
        return f"invalid port {quote(port)} after host"
    for ch in host_name:
        if ch.isascii() and ch not in _HOST_CHARS:
            return f"invalid character {quote(ch)} in host name"
    return _escape_problem(host_name) or _escape_problem(path)


def _split_port(host: str) -> tuple[str, str]:
    """(host, ":port") with the colon kept, or (host, "") when there is none."""
    if host.startswith("["):
        close = host.find("]")
        return (host, "") if close < 0 else (host[: close + 1], host[close + 1 :])
    name, sep, port = host.rpartition(":")
    return (name, sep + port) if sep else (host, "")


def _escape_problem(part: str) -> str:
    bad = _ESCAPE.search(part)
    return f"invalid URL escape {quote(part[bad.start() : bad.start() + 3])}" if bad else ""


def _port(text: str) -> str:
    """The port digits written in an http(s) URL, or ""."""
    authority = text.partition("//")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return _split_port(authority.rpartition("@")[2])[1][1:]

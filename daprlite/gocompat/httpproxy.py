"""Which proxy Go's default HTTP transport uses for a URL (`http.ProxyFromEnvironment`).

HTTPS_PROXY for https URLs, HTTP_PROXY for http ones (either spelling, upper case first);
NO_PROXY lists hosts, domains (`example.com` takes its subdomains too, `.example.com` only
them), IPs and CIDR ranges, each with an optional port, or `*`. localhost and loopback
addresses never go through a proxy.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": "80", "https": "443", "socks5": "1080"}
CGI_REFUSAL = "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy"


@dataclass(frozen=True, slots=True)
class _Domain:
    suffix: str  # always starts with "."
    port: str
    exact_too: bool


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: str = ""
    cgi: bool = False
    _everything: bool = field(default=False, init=False)
    _networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default=(), init=False
    )
    _ips: tuple[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, str], ...] = field(
        default=(), init=False
    )
    _domains: tuple[_Domain, ...] = field(default=(), init=False)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> ProxyConfig:
        def first(*names: str) -> str:
            return next((env[n] for n in names if env.get(n)), "")

        return cls(
            first("HTTP_PROXY", "http_proxy"),
            first("HTTPS_PROXY", "https_proxy"),
            first("NO_PROXY", "no_proxy"),
            bool(env.get("REQUEST_METHOD")),
        )

    def __post_init__(self) -> None:
        networks, ips, domains = [], [], []
        for entry in self.no_proxy.split(","):
            entry = entry.strip().lower()
            if not entry:
                continue
            if entry == "*":
                object.__setattr__(self, "_everything", True)
                return
            if "/" in entry:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                    continue
                except ValueError:
                    pass
            host, port = _split_host_port(entry)
            if host is None:
                host, port = entry, ""
            elif not host:
                continue
            ip = _ip(host)
            if ip is not None:
                ips.append((ip, port))
                continue
            if host.startswith("*."):
                host = host[1:]
            exact_too = not host.startswith(".")
            domains.append(_Domain(host if not exact_too else "." + host, port, exact_too))
        object.__setattr__(self, "_networks", tuple(networks))
        object.__setattr__(self, "_ips", tuple(ips))
        object.__setattr__(self, "_domains", tuple(domains))

    def proxy_for(self, scheme: str, host: str, port: int | None) -> str | None:
        """The proxy URL for a request, or None to connect directly.

        Raises ValueError with Go's text for HTTP_PROXY in a CGI environment.
        """
        proxy = ""
        if scheme == "https":
            proxy = _parse_proxy(self.https_proxy)
        elif scheme == "http":
            proxy = _parse_proxy(self.http_proxy)
            if proxy and self.cgi:
                raise ValueError(CGI_REFUSAL)
        if not proxy:
            return None
        port_text = str(port) if port is not None else _DEFAULT_PORTS.get(scheme, "")
        return proxy if self._use_proxy(host, port_text) else None

    def _use_proxy(self, host: str, port: str) -> bool:
        if host == "localhost":
            return False
        ip = _ip(host)
        if ip is not None and (ip.is_loopback or _mapped_loopback(ip)):
            return False
        if self._everything:
            return False
        host = host.strip().lower()
        if ip is not None:
            if any(ip in network for network in self._networks):
                return False
            return not any(ip == entry and (not p or p == port) for entry, p in self._ips)
        for domain in self._domains:
            named = host.endswith(domain.suffix) or (domain.exact_too and host == domain.suffix[1:])
            if named and (not domain.port or domain.port == port):
                return False
        return True


def _parse_proxy(text: str) -> str:
    """The proxy URL; one without a scheme (`proxy:3128`) is taken as http."""
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        if parts.scheme and parts.netloc:
            return text
    except ValueError:
        pass
    try:
        urlsplit("http://" + text)
    except ValueError:
        return ""
    return "http://" + text


def _split_host_port(entry: str) -> tuple[str | None, str]:
    """net.SplitHostPort, or (None, "") where Go's would fail (no port, bare IPv6)."""
    if entry.startswith("["):
        close = entry.find("]")
        if close < 0 or entry[close + 1 : close + 2] != ":" or ":" in entry[close + 2 :]:
            return None, ""
        return entry[1:close], entry[close + 2 :]
    host, sep, port = entry.rpartition(":")
    if not sep or ":" in host:
        return None, ""
    return host, port


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _mapped_loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped is not None and mapped.is_loopback

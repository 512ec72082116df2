"""Go's `net.SplitHostPort` and `net.JoinHostPort`: how a `host:port` text is read and written,
with the error texts Go gives (components-contrib's Redis settings rely on both)."""

from __future__ import annotations


class AddrError(ValueError):
    """A refused address, worded as Go's *net.AddrError (`address <addr>: <reason>`)."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"address {address}: {reason}" if address else reason)


def split_host_port(address: str) -> tuple[str, str]:
    """(host, port) as Go splits them; an IPv6 host comes without its brackets. Like Go, the
    port is not checked: `host:` and `host:abc` split fine."""
    colon = address.rfind(":")  # the port starts after the last colon, whatever comes before
    if colon < 0:
        raise AddrError(address, "missing port in address")
    if address.startswith("["):
        close = address.find("]")
        if close < 0:
            raise AddrError(address, "missing ']' in address")
        if close + 1 != colon:
            # Something between "]" and the port's colon, or nothing after "]" at all.
            extra_colon = close + 1 < len(address) and address[close + 1] == ":"
            raise AddrError(
                address, "too many colons in address" if extra_colon else "missing port in address"
            )
        host, host_from, port_from = address[1:close], 1, close + 1
    else:
        host, host_from, port_from = address[:colon], 0, 0
        if ":" in host:
            raise AddrError(address, "too many colons in address")
    if "[" in address[host_from:]:
        raise AddrError(address, "unexpected '[' in address")
    if "]" in address[port_from:]:
        raise AddrError(address, "unexpected ']' in address")
    return host, address[colon + 1 :]


def join_host_port(host: str, port: str) -> str:
    """`host:port`, with brackets around a host that holds a colon (an IPv6 address)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

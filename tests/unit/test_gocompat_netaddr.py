"""gocompat.netaddr held against Go: every row was printed by Go 1.26's net.SplitHostPort and
net.JoinHostPort; none was worked out by hand."""

from __future__ import annotations

import pytest

from daprlite.gocompat.netaddr import AddrError, join_host_port, split_host_port

# (address, host, port, Go's error text or "")
SPLITS = [
    ("localhost:6379", "localhost", "6379", ""),
    ("localhost", "", "", "address localhost: missing port in address"),
    ("127.0.0.1:1", "127.0.0.1", "1", ""),
    ("::1", "", "", "address ::1: too many colons in address"),
    ("[::1]:6380", "::1", "6380", ""),
    ("[::1]", "", "", "address [::1]: missing port in address"),
    ("[::1", "", "", "address [::1: missing ']' in address"),
    ("host:", "host", "", ""),
    (":6379", "", "6379", ""),
    ("a:b:c", "", "", "address a:b:c: too many colons in address"),
    ("host:abc", "host", "abc", ""),
    ("[fe80::1%eth0]:6379", "fe80::1%eth0", "6379", ""),
    ("", "", "", "missing port in address"),
    ("h]:1", "", "", "address h]:1: unexpected ']' in address"),
    ("[a]b:1", "", "", "address [a]b:1: missing port in address"),
    ("a[b:1", "", "", "address a[b:1: unexpected '[' in address"),
    ("[::1]:6380:1", "", "", "address [::1]:6380:1: too many colons in address"),
    ("[]:1", "", "1", ""),
    ("a]:1", "", "", "address a]:1: unexpected ']' in address"),
    ("[::1]]:1", "", "", "address [::1]]:1: missing port in address"),
]
# (host, net.JoinHostPort(host, "6379"))
JOINS = [
    ("localhost", "localhost:6379"),
    ("::1", "[::1]:6379"),
    ("fe80::1%eth0", "[fe80::1%eth0]:6379"),
    ("127.0.0.1", "127.0.0.1:6379"),
    ("", ":6379"),
]


@pytest.mark.parametrize(("address", "host", "port", "error"), SPLITS)
def test_split_host_port(address: str, host: str, port: str, error: str) -> None:
    if error:
        with pytest.raises(AddrError) as caught:
            split_host_port(address)
        assert str(caught.value) == error
    else:
        assert split_host_port(address) == (host, port)


@pytest.mark.parametrize(("host", "expected"), JOINS)
def test_join_host_port(host: str, expected: str) -> None:
    assert join_host_port(host, "6379") == expected

"""The HTTP binding's failure, and aiohttp's exceptions worded as Go's net/http words them."""

from __future__ import annotations

import errno
import re
import ssl

import aiohttp

from daprlite.model.contracts import InvokeResponse
from daprlite.model.errors import BindingInvokeError

# OpenSSL verify codes: the chain does not lead to a trusted root.
_UNKNOWN_AUTHORITY = frozenset({2, 18, 19, 20, 21, 27})
_EXPIRED = frozenset({9, 10})
_HOSTNAME_MISMATCH = 62
_ALERTS = {
    "certificate required": "remote error: tls: certificate required",
    "bad certificate": "remote error: tls: bad certificate",
    "unknown ca": "remote error: tls: unknown certificate authority",
    "handshake failure": "remote error: tls: handshake failure",
    "certificate unknown": "remote error: tls: unknown certificate",
    "protocol version": "remote error: tls: protocol version not supported",
}
_ADDRESS = re.compile(r"\('([^']+)', (\d+)")


class HTTPInvokeError(BindingInvokeError):
    """The call failed; `response` holds the endpoint's answer when there was one.

    daprd hands that answer back with the error (a non-2xx status under errorIfNot2XX), and
    its APIs send the response metadata as `metadata.*` headers even on the failure.
    """

    def __init__(self, message: str, response: InvokeResponse | None = None) -> None:
        super().__init__(message)
        self.response = response


def connection_reason(exc: BaseException, host: str, port: int) -> str:
    """Go's reason for a request that got no response (after `Get "<url>": `)."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return certificate_reason(exc.certificate_error, host)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"dial tcp: lookup {host}: no such host"
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return tls_reason(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"dial tcp {_join(host, port)}: i/o timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _dial_reason(exc.os_error, host, port)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "EOF"
    if isinstance(exc, aiohttp.ClientResponseError):
        return "net/http: HTTP/1.x transport connection broken: malformed HTTP response"
    if isinstance(exc, ConnectionResetError | aiohttp.ClientConnectionResetError):
        return "read: connection reset by peer"
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET:
        return "read: connection reset by peer"
    ssl_cause = _ssl_cause(exc)
    if ssl_cause is not None:
        return tls_reason(ssl_cause)
    return str(exc) or type(exc).__name__


def certificate_reason(exc: BaseException, host: str) -> str:
    code = getattr(exc, "verify_code", None)
    prefix = "tls: failed to verify certificate: x509: "
    if code in _UNKNOWN_AUTHORITY:
        return prefix + "certificate signed by unknown authority"
    if code in _EXPIRED:
        return prefix + "certificate has expired or is not yet valid"
    if code == _HOSTNAME_MISMATCH:
        return prefix + f"certificate is not valid for {host}"
    message = getattr(exc, "verify_message", "") or str(exc)
    return prefix + message


def tls_reason(exc: BaseException) -> str:
    cause = _ssl_cause(exc) or exc
    if isinstance(cause, ssl.SSLCertVerificationError):
        return certificate_reason(cause, "")
    text = str(cause).lower()
    if "wrong version number" in text or "record layer failure" in text:
        return "http: server gave HTTP response to HTTPS client"
    for alert, reason in _ALERTS.items():
        if f"alert {alert}" in text:
            return reason
    reason = getattr(cause, "reason", None) or str(cause)
    return f"tls: {str(reason).lower().replace('_', ' ')}"


def body_reason(exc: BaseException) -> str:
    """Go's error for a body that broke off while being read."""
    ssl_cause = _ssl_cause(exc)
    if ssl_cause is not None:
        return tls_reason(ssl_cause)
    if isinstance(exc, ConnectionResetError) or (
        isinstance(exc, OSError) and exc.errno == errno.ECONNRESET
    ):
        return "read: connection reset by peer"
    return "unexpected EOF"


def _dial_reason(os_error: OSError, host: str, port: int) -> str:
    address = _join(host, port)
    found = _ADDRESS.search(str(os_error))
    if found:  # asyncio names the address it tried, as Go does
        address = _join(found.group(1), int(found.group(2)))
    if os_error.errno == errno.ECONNREFUSED or "Connect call failed" in str(os_error):
        return f"dial tcp {address}: connect: connection refused"
    if os_error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"dial tcp {address}: connect: {(os_error.strerror or '').lower()}"
    return f"dial tcp {address}: {(os_error.strerror or str(os_error)).lower()}"


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

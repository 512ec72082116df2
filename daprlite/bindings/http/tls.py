"""The HTTP binding's TLS client: root CA, client certificate and renegotiation, as daprd sets
them up. Each of MTLSRootCA, MTLSClientCert and MTLSClientKey is PEM text or a file path.

Blocking (file reads, OpenSSL parsing): call `client_context` through `asyncio.to_thread`.
"""

from __future__ import annotations

import base64
import binascii
import re
import ssl
from pathlib import Path

from daprlite.bindings.http.settings import HTTPSettings
from daprlite.bindings.pemfile import private_file
from daprlite.gocompat.strconv import quote

_BEGIN = re.compile(r"(?:^|\n)-----BEGIN ([^\n]*)\n")
_DER_CERT = "CERTIFICATE"


class TLSProblem(Exception):
    """A TLS field daprd would refuse at start-up; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def client_context(settings: HTTPSettings) -> ssl.SSLContext:
    """The context for every https request of one binding; TLS 1.2 at least, as in daprd."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.root_ca:
        # Like Go's RootCAs: only these authorities are trusted, not the system's.
        roots = pem_bytes("MTLSRootCA", settings.root_ca)
        if not _add_roots(context, roots):
            raise TLSProblem("MTLSRootCA", "failed to add root certificate to certpool")
    else:
        context.load_default_certs()
    if settings.client_cert and settings.client_key:
        cert = pem_bytes("MTLSClientCert", settings.client_cert)
        key = pem_bytes("MTLSClientKey", settings.client_key)
        _load_key_pair(context, cert, key)
    # Go refuses a server's renegotiation unless told otherwise; OpenSSL can only allow it
    # freely, so both "as client" settings allow it.
    if settings.renegotiation in ("", "RenegotiateNever"):
        context.options |= ssl.OP_NO_RENEGOTIATION
    return context


def pem_bytes(field: str, value: str) -> bytes:
    """`value` itself when it holds a PEM block, else the contents of the file it names."""
    if pem_blocks(value.encode()):
        return value.encode()
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise TLSProblem(
            field,
            f"provided {quote(field)} value is neither a valid file path or nor a valid pem "
            f"encoded string: {_os_error(value, exc)}",
        ) from None


def pem_blocks(data: bytes) -> list[tuple[str, bytes, bool]]:
    """Every well-formed PEM block in `data` as (type, DER, has headers), as Go's pem.Decode
    finds them: a BEGIN line at the start of a line, base64 inside, the matching END line."""
    text = data.decode("latin-1")
    found, pos = [], 0
    while (begin := _BEGIN.search(text, pos)) is not None:
        pos = begin.end()
        type_line = begin.group(1).rstrip(" \t\r")
        if not type_line.endswith("-----"):
            continue
        kind = type_line[: -len("-----")]
        end = text.find(f"\n-----END {kind}-----", pos - 1)
        if end < 0:
            continue
        lines = text[pos:end].split("\n")
        headers = False
        while lines and ":" in lines[0]:
            lines.pop(0)
            headers = True
        body = "".join(lines).translate({ord(c): None for c in " \t\r\n"})
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            continue
        found.append((kind, der, headers))
        pos = end + 1
    return found


def _add_roots(context: ssl.SSLContext, pem: bytes) -> bool:
    # Go's AppendCertsFromPEM: skip what is not a certificate or does not parse; true if one did.
    added = False
    for kind, der, headers in pem_blocks(pem):
        if kind != _DER_CERT or headers:
            continue
        try:
            context.load_verify_locations(cadata=der)
        except ssl.SSLError:
            continue
        added = True
    return added


def _load_key_pair(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    field = "MTLSClientCert"
    if not any(kind == _DER_CERT for kind, _, _ in pem_blocks(cert)):
        raise TLSProblem(
            field,
            "failed to load client certificate: "
            "tls: failed to find any PEM data in certificate input",
        )
    if not pem_blocks(key):
        raise TLSProblem(
            field,
            "failed to load client certificate: tls: failed to find any PEM data in key input",
        )
    with private_file(cert) as cert_path, private_file(key) as key_path:
        try:
            # An empty password: an encrypted key fails here instead of prompting on stdin.
            context.load_cert_chain(cert_path, key_path, password=b"")
        except ssl.SSLError as exc:
            mismatch = "KEY_VALUES_MISMATCH" in str(exc)
            reason = (
                "tls: private key does not match public key"
                if mismatch
                else "tls: failed to parse private key"
            )
            raise TLSProblem(field, f"failed to load client certificate: {reason}") from None


def _os_error(path: str, exc: OSError) -> str:
    """Go's os.ReadFile error text; a value that cannot be a path is not repeated (it may be a
    malformed private key)."""
    shown = path if "\n" not in path and "-----" not in path and len(path) < 512 else "<value>"
    reason = (exc.strerror or str(exc)).lower()
    if isinstance(exc, IsADirectoryError):
        return f"read {shown}: {reason}"
    return f"open {shown}: {reason}"

"""The TLS context of a connection: caCert, clientCert and clientKey as daprd reads them (PEM
text), with daprd's leniency: a key pair or CA that does not load is a warning, not an error."""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path

from daprlite.bindings.mqtt3.settings import Mqtt3Settings

log = logging.getLogger("daprlite.bindings.mqtt3")


def client_context(settings: Mqtt3Settings, component: str) -> ssl.SSLContext:
    """Blocking (it may read the system's CA store): call it off the event loop."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if settings.ca_cert:
        # Go replaces the system roots with the component's CA when one is given.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        try:
            context.load_verify_locations(cadata=settings.ca_cert)
        except (ssl.SSLError, ValueError):
            log.warning("component %s: unable to load CA certificate", component)
    if settings.client_cert and settings.client_key:
        with _private_file((settings.client_cert + "\n" + settings.client_key).encode()) as path:
            try:
                context.load_cert_chain(path)
            except ssl.SSLError:
                log.warning(
                    "component %s: unable to load client certificate and key pair", component
                )
    return context


@contextlib.contextmanager
def _private_file(data: bytes) -> Iterator[str]:
    """A path OpenSSL can load a key pair from: an anonymous memory file on Linux, elsewhere a
    file only this user can read, removed at once."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("daprlite-mqtt-tls", os.MFD_CLOEXEC)
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="daprlite-mqtt-tls-") as folder:
        path = Path(folder) / "pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        yield str(path)

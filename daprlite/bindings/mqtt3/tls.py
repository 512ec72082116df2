"""The TLS context of a connection: caCert, clientCert and clientKey as daprd reads them (PEM
text), with daprd's leniency: a key pair or CA that does not load is a warning, not an error."""

from __future__ import annotations

import logging
import ssl

from daprlite.bindings.mqtt3.settings import Mqtt3Settings
from daprlite.bindings.pemfile import private_file

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
        with private_file((settings.client_cert + "\n" + settings.client_key).encode()) as path:
            try:
                context.load_cert_chain(path)
            except ssl.SSLError:
                log.warning(
                    "component %s: unable to load client certificate and key pair", component
                )
    return context

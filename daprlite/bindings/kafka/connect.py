"""The init-time broker check: reachable and, for secured components, authenticated and trusted.

librdkafka retries refused credentials and failed TLS handshakes forever, reporting them only to
the error callback; watching that callback turns a silent retry loop into a clear init error.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from daprlite.bindings.kafka.settings import KafkaSettings, reach_timeout
from daprlite.model.component import Component
from daprlite.model.errors import ComponentInitError

_BROKER_PREFIX = re.compile(r"^(?:[a-z_]+://)?[^/\s]+/[^:\s]+: ")
# librdkafka's guess when a TLS client meets a plain listener.
_NO_TLS_HERE = "connecting to a PLAINTEXT broker listener"
# How often the error callback is looked at while the metadata request waits.
_SLICE = 0.25
# What OpenSSL says when the broker turns down the client's certificate (or its absence).
_CLIENT_CERT_REFUSED = (
    "alert bad certificate",
    "alert certificate required",
    "alert unknown ca",
    "alert certificate unknown",
)


async def check_brokers(settings: KafkaSettings, component: Component) -> None:
    """Raise ComponentInitError unless the brokers answer metadata within the init budget;
    a refused login or an untrusted certificate fails at once, saying which."""
    config = settings.client_config()
    failure = await asyncio.to_thread(probe, config, reach_timeout(component))
    if failure is not None:
        raise ComponentInitError(component.log_name, f"kafka: {explain(failure, settings)}")


def probe(
    config: dict[str, Any], timeout: float, clock: Callable[[], float] = time.monotonic
) -> Any:
    """None once the cluster answers; else the KafkaError that best says why it did not."""
    seen: list[Any] = []
    admin = AdminClient(config | {"error_cb": seen.append})
    deadline = clock() + timeout
    while True:
        try:
            admin.list_topics(timeout=max(min(_SLICE, deadline - clock()), 0.01))
            return None
        except KafkaException as exc:
            last = exc.args[0]
        admin.poll(0)  # runs the error callback
        fatal = next((err for err in seen if _is_fatal(err)), None)
        if fatal is not None:
            return fatal
        if clock() >= deadline:
            # "Connection refused" says more than "1/1 brokers are down" or "timed out".
            specific = [err for err in seen if err.code() != KafkaError._ALL_BROKERS_DOWN]
            return specific[-1] if specific else last


def explain(err: Any, settings: KafkaSettings) -> str:
    """A sentence naming the cause and the metadata to fix; never the password."""
    detail = _detail(err)
    brokers = ",".join(settings.brokers)
    if err.code() == KafkaError._AUTHENTICATION:
        who = f" for user {settings.sasl_username}" if settings.sasl_username else ""
        text = (
            f"authentication failed{who} (SASL {settings.sasl_mechanism}) at {brokers}: "
            f"{detail}. Check saslUsername, saslPassword and saslMechanism"
        )
    elif _client_cert_refused(detail):
        text = (
            f"the brokers at {brokers} refused the TLS client certificate: {detail}. Set "
            "clientCert and clientKey (authType mtls) to a certificate their CA signed"
        )
    elif err.code() == KafkaError._SSL or _tls_refused(detail):
        text = f"TLS handshake with {brokers} failed: {detail}"
        if "verify failed" in detail:
            text += (
                ". Set caCert to the CA that signed the broker's certificate, or "
                'skipVerify: "true" to skip the check (development only)'
            )
        elif _NO_TLS_HERE in detail:
            text += '. That listener has no TLS: set disableTls: "true"'
    else:
        text = unreachable(settings.brokers, detail)
    if settings.sasl_password:  # librdkafka never echoes it; this makes sure of that
        text = text.replace(settings.sasl_password, "***")
    return text


def unreachable(brokers: tuple[str, ...], detail: str) -> str:
    """Why the brokers could not be reached, ending with what to do about it."""
    text = f"cannot reach brokers {','.join(brokers)}: {detail}"
    if brokers and all(_is_local(address) for address in brokers):
        return text + ". Is a broker running there? Start one with `daprlite init`"
    return text + ". Check that the brokers are up and reachable from this machine"


def _is_local(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]").lower() if ":" in address else address.lower()
    return host in ("localhost", "::1", "") or host.startswith("127.")


def _is_fatal(err: Any) -> bool:
    detail = err.str()
    return (
        err.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL)
        or _tls_refused(detail)
        or _client_cert_refused(detail)
    )


def _tls_refused(detail: str) -> bool:
    # librdkafka reports some handshake failures as transport errors; their text tells.
    return "certificate verify failed" in detail or _NO_TLS_HERE in detail


def _client_cert_refused(detail: str) -> bool:
    return any(alert in detail for alert in _CLIENT_CERT_REFUSED)


def _detail(err: Any) -> str:
    # Drops librdkafka's "sasl_ssl://127.0.0.1:9093/bootstrap: " prefix: the caller already
    # names the brokers.
    return _BROKER_PREFIX.sub("", err.str(), count=1)

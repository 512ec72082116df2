"""Secured client listeners beside the broker's plain one: SASL users, TLS identities, mTLS.

Only tests and opt-in setups use them; the default broker has the PLAINTEXT listener alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
_RESERVED_NAMES = ("PLAINTEXT", "CONTROLLER")
_PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule"
_SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


@dataclass(frozen=True, slots=True)
class SaslUser:
    name: str
    password: str

    def __repr__(self) -> str:  # keeps the password out of logs and test reports
        return f"SaslUser(name={self.name!r})"


@dataclass(frozen=True, slots=True)
class TlsIdentity:
    """The broker's side of TLS, as PEM text: its certificate chain and unencrypted PKCS#8 key,
    and `client_ca`, the CA that client certificates must be signed by (mTLS)."""

    cert_chain: str
    key: str
    client_ca: str = ""

    def __repr__(self) -> str:
        return f"TlsIdentity(client_ca={bool(self.client_ca)})"


@dataclass(frozen=True, slots=True)
class Listener:
    """One more client listener on the broker's host. `sasl` lists the mechanisms it accepts
    (none: no SASL); `tls` makes it encrypted; `client_auth` demands a client certificate."""

    name: str
    port: int
    sasl: tuple[str, ...] = ()
    tls: TlsIdentity | None = None
    client_auth: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", self.name) or self.name in _RESERVED_NAMES:
            raise ValueError(f"listener name {self.name!r}: use upper case, not PLAINTEXT")
        unknown = set(self.sasl) - set(SASL_MECHANISMS)
        if unknown:
            raise ValueError(f"listener {self.name}: unknown SASL mechanisms {sorted(unknown)}")
        if self.client_auth and (self.tls is None or not self.tls.client_ca):
            raise ValueError(f"listener {self.name}: client_auth needs tls with a client_ca")
        if not self.sasl and self.tls is None:
            raise ValueError(f"listener {self.name}: the default listener is already PLAINTEXT")

    @property
    def protocol(self) -> str:
        return ("SASL_" if self.sasl else "") + ("SSL" if self.tls else "PLAINTEXT")


def listener_properties(listeners: Sequence[Listener], users: Sequence[SaslUser]) -> dict[str, str]:
    """Each listener's own settings, under Kafka's `listener.name.<name>.` prefix."""
    props: dict[str, str] = {}
    for listener in listeners:
        prefix = f"listener.name.{listener.name.lower()}."
        if listener.sasl:
            props[prefix + "sasl.enabled.mechanisms"] = ",".join(listener.sasl)
            for mechanism in listener.sasl:
                props[f"{prefix}{mechanism.lower()}.sasl.jaas.config"] = _jaas(mechanism, users)
        if listener.tls is not None:
            # PEM stores given inline: no keytool, no JKS files to keep in step.
            props[prefix + "ssl.keystore.type"] = "PEM"
            props[prefix + "ssl.keystore.certificate.chain"] = listener.tls.cert_chain
            props[prefix + "ssl.keystore.key"] = listener.tls.key
            if listener.tls.client_ca:
                props[prefix + "ssl.truststore.type"] = "PEM"
                props[prefix + "ssl.truststore.certificates"] = listener.tls.client_ca
            if listener.client_auth:
                props[prefix + "ssl.client.auth"] = "required"
    return props


def scram_mechanisms(listeners: Sequence[Listener]) -> tuple[str, ...]:
    """The SCRAM mechanisms some listener accepts: their credentials live in the cluster."""
    used = {m for listener in listeners for m in listener.sasl if m.startswith("SCRAM-")}
    return tuple(sorted(used))


def _jaas(mechanism: str, users: Sequence[SaslUser]) -> str:
    if mechanism != "PLAIN":
        return f"{_SCRAM_MODULE} required;"
    # PLAIN checks passwords against the JAAS options `user_<name>="<password>"`.
    options = "".join(f' user_{u.name}="{_quote(u.password)}"' for u in users)
    return f"{_PLAIN_MODULE} required{options};"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')

"""SCRAM credentials for a running broker, written through the Admin API on its plain listener.

KRaft keeps them in the cluster metadata; an upsert is idempotent, so every start re-applies them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from daprlite.localkafka.listeners import SaslUser
from daprlite.model.errors import BrokerError

# Kafka's minimum for both SHA-256 and SHA-512.
ITERATIONS = 4096
_POLL = 0.1


def ensure_scram_users(
    bootstrap: str, users: Sequence[SaslUser], mechanisms: Sequence[str], timeout: float
) -> None:
    """Give every user a credential for every mechanism, then wait until the broker has them."""
    if not users or not mechanisms:
        return
    from confluent_kafka.admin import (  # type: ignore[attr-defined]
        AdminClient,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialAlteration,
        UserScramCredentialUpsertion,
    )

    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        # One request per mechanism: the broker refuses two changes to one user in a request.
        for mechanism in mechanisms:
            info = ScramCredentialInfo(ScramMechanism[mechanism.replace("-", "_")], ITERATIONS)
            upserts: list[UserScramCredentialAlteration] = [
                UserScramCredentialUpsertion(user.name, info, user.password.encode())
                for user in users
            ]
            for future in admin.alter_user_scram_credentials(upserts).values():
                future.result(timeout)
    except Exception as exc:  # KafkaException, or a timeout of the future
        raise BrokerError(f"could not create the broker's SCRAM users: {exc}") from exc
    # The controller has committed them; the broker's authenticator sees them a moment later.
    names = [user.name for user in users]
    deadline = time.monotonic() + timeout
    while not _described(admin, names, len(mechanisms), timeout):
        if time.monotonic() > deadline:
            raise BrokerError(f"the broker did not list SCRAM users {names} within {timeout:g}s")
        time.sleep(_POLL)


def _described(admin: object, names: list[str], count: int, timeout: float) -> bool:
    try:
        futures = admin.describe_user_scram_credentials(names)  # type: ignore[attr-defined]
        return all(
            len(future.result(timeout).scram_credential_infos) >= count
            for future in futures.values()
        )
    except Exception:  # RESOURCE_NOT_FOUND until the metadata reaches the broker
        return False

"""bindings.redis's connection settings against real redis-servers started for each case: the
password and ACL user, redisDB, TLS with a client certificate, what Init refuses (with the
texts daprd 1.18 gave for the same components), and no secret in any of those messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from daprlite.bindings.registry import BindingRegistry
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, OutputBinding
from daprlite.model.errors import ComponentInitError
from tests.integration.tls_certs import Authority
from tests.support.ports import free_port
from tests.support.redis import RedisServer, TLSFiles, local_redis

pytestmark = pytest.mark.redis

PREFIX = "[INIT_COMPONENT_FAILURE]: initialization error occurred for rb (bindings.redis/v1): "
PASSWORD = "s3cret-Pa55"
ALICE_PASSWORD = "alice-Pa55"


def component(**metadata: str) -> Component:
    return Component("rb", "bindings.redis", "v1", metadata, Path("redis.yaml"), 1)


async def started(**metadata: str) -> OutputBinding:
    binding = BindingRegistry().create_output("bindings.redis")
    await binding.init(component(**metadata))
    return binding


async def init_error(**metadata: str) -> str:
    binding = BindingRegistry().create_output("bindings.redis")
    with pytest.raises(ComponentInitError) as caught:
        await binding.init(component(**metadata))
    await binding.close()
    return str(caught.value)


async def round_trip(binding: OutputBinding, key: str = "k") -> bytes:
    await binding.invoke(InvokeRequest(b"v", {"key": key}, "create"))
    got = await binding.invoke(InvokeRequest(b"", {"key": key}, "get"))
    assert got is not None
    return got.data


def request(operation: str, metadata: Mapping[str, str]) -> InvokeRequest:
    return InvokeRequest(b"", metadata, operation)


@pytest.fixture(scope="module")
def guarded():  # type: ignore[no-untyped-def]
    """A server with a password for the default user and an ACL user `alice`."""
    users = (f"alice on >{ALICE_PASSWORD} ~* &* +@all",)
    with local_redis(password=PASSWORD, users=users) as (_, server):
        yield server


async def test_password_and_acl_user_with_a_database(guarded: RedisServer) -> None:
    binding = await started(redisHost=guarded.address, redisPassword=PASSWORD)
    assert await round_trip(binding) == b"v"
    await binding.close()
    alice = await started(
        redisHost=guarded.host,
        redisPort=str(guarded.port),
        redisUsername="alice",
        redisPassword=ALICE_PASSWORD,
        redisDB="3",
    )
    assert await round_trip(alice, "in-db-3") == b"v"
    await alice.close()
    assert guarded.command("-n", "3", "GET", "in-db-3") == "v"
    assert guarded.command("-n", "0", "EXISTS", "in-db-3") == "0"


async def test_init_refusals_read_as_daprd(guarded: RedisServer) -> None:
    at = f"redis binding: error connecting to redis at {guarded.address}: "
    assert await init_error(redisHost=guarded.address) == (
        PREFIX + at + "NOAUTH Authentication required."
    )
    wrong = await init_error(redisHost=guarded.address, redisPassword="wrong-Pa55")
    assert wrong == PREFIX + at + "WRONGPASS invalid username-password pair or user is disabled."
    nobody = await init_error(
        redisHost=guarded.address, redisUsername="bob", redisPassword=ALICE_PASSWORD
    )
    assert nobody.endswith("WRONGPASS invalid username-password pair or user is disabled.")
    assert ALICE_PASSWORD not in nobody
    out_of_range = await init_error(redisHost=guarded.address, redisPassword=PASSWORD, redisDB="99")
    assert out_of_range == PREFIX + at + "ERR DB index is out of range"
    assert PASSWORD not in out_of_range


async def test_nobody_listening() -> None:
    port = free_port()
    assert await init_error(redisHost=f"127.0.0.1:{port}", redisMaxRetries="-1") == (
        PREFIX + f"redis binding: error connecting to redis at 127.0.0.1:{port}: "
        f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    )


async def test_a_port_that_is_no_number_fails_to_dial() -> None:
    assert await init_error(redisHost="localhost:abc") == (
        PREFIX + "redis binding: error connecting to redis at localhost:abc: "
        "dial tcp: lookup tcp/abc: unknown port"
    )


async def test_port_in_both_fields_must_agree(redis_server: RedisServer) -> None:
    message = await init_error(redisHost=redis_server.address, redisPort="6380")
    assert message == PREFIX + (
        f'redis client configuration error: redis host "{redis_server.address}" already '
        f"contains port {redis_server.port}, but redisPort is set to 6380; either remove the "
        "port from redisHost or remove the redisPort setting"
    )
    same = await started(redisHost=redis_server.address, redisPort=str(redis_server.port))
    assert await round_trip(same, "same-port") == b"v"
    await same.close()


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({"redisType": "cluster"}, "daprlite does not support redisType cluster"),
        ({"failover": "true", "sentinelMasterName": "m"}, "daprlite does not support failover"),
        ({"useEntraID": "true"}, "daprlite does not support useEntraID"),
    ],
)
async def test_modes_daprlite_does_not_build_are_refused(
    redis_server: RedisServer, metadata: dict[str, str], reason: str
) -> None:
    message = await init_error(redisHost=redis_server.address, **metadata)
    assert message.startswith(PREFIX + reason)


async def test_tls_with_a_client_certificate() -> None:
    authority = Authority.create("redis-test-ca")
    server_pair, client_pair = authority.server(), authority.client("daprlite")
    files = TLSFiles(authority.cert, server_pair.cert, server_pair.key)
    with local_redis(tls=files) as (_, server):
        tls = {"redisHost": server.address, "enableTLS": "true", "insecureSkipTLSVerify": "true"}
        binding = await started(**tls, clientCert=client_pair.cert, clientKey=client_pair.key)
        assert await round_trip(binding) == b"v"
        await binding.close()
        # The server asks for a client certificate: without one the handshake is refused.
        refused = await init_error(**tls, redisMaxRetries="-1")
        assert refused.startswith(
            PREFIX + f"redis binding: error connecting to redis at {server.address}: "
        )
        # A key that is not PEM is refused before connecting, without showing it.
        bad_key = await init_error(**tls, clientCert=client_pair.cert, clientKey="not-a-key")
        assert bad_key == PREFIX + (
            "redis client configuration error: tls: failed to find any PEM data in key input"
        )
        # Verifying the server against the system's roots fails: its CA is not among them.
        unverified = await init_error(
            redisHost=server.address,
            enableTLS="true",
            clientCert=client_pair.cert,
            clientKey=client_pair.key,
            redisMaxRetries="-1",
        )
        assert "certificate verify failed" in unverified
        assert client_pair.key not in unverified

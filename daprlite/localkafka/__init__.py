"""A real Apache Kafka broker on the loopback, provisioned and run like `dapr init` runs Redis.

Both `daprlite init` and the test suite drive it through LocalBroker.
"""

from __future__ import annotations

from daprlite.localkafka.broker import BrokerStatus, LocalBroker
from daprlite.localkafka.settings import (
    DEFAULT_PORT,
    KAFKA_VERSION,
    BrokerSettings,
    default_cache_dir,
    default_settings,
)

__all__ = [
    "DEFAULT_PORT",
    "KAFKA_VERSION",
    "BrokerSettings",
    "BrokerStatus",
    "LocalBroker",
    "default_cache_dir",
    "default_settings",
]

"""Make sure the topics an input binding reads exist before it joins its consumer group.

Dapr's Kafka client has the broker create a missing topic on first use; librdkafka's
consumer does not (it reports "unknown topic" and never gets an assignment). Creating it
here, with the broker's default partition count, gives the same first-run experience.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

log = logging.getLogger("daprlite.bindings.kafka")


def ensure_topics(config: dict[str, Any], topics: Sequence[str], timeout: float) -> None:
    """Create each of `topics` the cluster does not have yet; raises KafkaException."""
    admin = AdminClient(config)
    existing = admin.list_topics(timeout=timeout).topics
    missing = [topic for topic in topics if topic not in existing]
    if not missing:
        return
    # -1 asks the broker for its own defaults (num.partitions, default.replication.factor).
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=-1, replication_factor=-1) for topic in missing],
        request_timeout=timeout,
    )
    for topic, future in futures.items():
        try:
            future.result(timeout)
            log.info("created topic %s", topic)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:  # a race with another member
                raise

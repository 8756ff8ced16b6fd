"""Reading a topic to its current end, and checking a group's progress (operator tools).

Both wait on a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from consumers.errors import BrokerUnavailable
from consumers.kafka_clients import kafka_consumer
from producers.kafka_client import client_config
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity

#: Back-off between two metadata requests while a topic has no partitions in them yet.
METADATA_RETRY_S = 0.2


def _partitions(consumer: Any, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


def _partitions_by(consumer: Any, topic: str, deadline: float) -> list[TopicPartition]:
    """The partitions of ``topic``, asking Kafka again until ``deadline``: a topic created a
    moment ago can be missing from the first metadata a client gets."""
    while True:
        parts = _partitions(consumer, topic)
        if parts:
            return parts
        if time.monotonic() > deadline:
            raise BrokerUnavailable(
                f"{topic} has no partitions in Kafka's metadata: create the task force's "
                "topics with `corridor topics create`"
            )
        time.sleep(METADATA_RETRY_S)  # a back-off between metadata requests
        consumer.topics()  # a metadata request, so the next look sees a new topic


def records_to_end(consumer: Any, topic: str, timeout: float) -> Iterator[Any]:
    """Every record of ``topic`` from its beginning up to the end offsets seen when the read
    starts, on ``consumer`` (assigned here: no group, nothing committed).

    Raises:
        BrokerUnavailable: the topic has no partitions, or was not read to its end in
            ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    parts = _partitions_by(consumer, topic, deadline)
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = consumer.end_offsets(parts)
    while any(consumer.position(tp) < ends[tp] for tp in parts):
        if time.monotonic() > deadline:
            raise BrokerUnavailable(f"could not read {topic} to its end in {timeout:.0f}s")
        for tp, batch in consumer.poll(timeout_ms=200).items():
            yield from (record for record in batch if record.offset < ends[tp])


def read_to_end(
    bootstrap: str,
    topic: str,
    timeout: float = 30.0,
    security: ClientSecurity = PLAINTEXT_CLIENT,
) -> list[Any]:
    """Every record of ``topic`` up to the end offsets seen at the start (no group).

    Raises:
        BrokerUnavailable: Kafka cannot be reached, or the topic not read to its end in time.
    """
    consumer = kafka_consumer(
        KafkaConsumer, bootstrap=bootstrap, security=security, enable_auto_commit=False
    )
    try:
        return list(records_to_end(consumer, topic, timeout))
    finally:
        consumer.close()


def group_caught_up(
    bootstrap: str, topic: str, group: str, security: ClientSecurity = PLAINTEXT_CLIENT
) -> bool:
    """True when ``group`` has committed offsets at the end of every partition of ``topic``.

    A consumer that never subscribes does not join the group; it only reads commits.
    """
    consumer = KafkaConsumer(**client_config(bootstrap, security), group_id=group)
    try:
        parts = _partitions(consumer, topic)
        ends = consumer.end_offsets(parts)
        return all(ends[tp] == 0 or (consumer.committed(tp) or 0) >= ends[tp] for tp in parts)
    finally:
        consumer.close()

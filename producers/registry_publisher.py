"""Publishing a signed key registry to the compacted ``<prefix>.keys`` topic (acks=all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from producers.errors import BrokerUnavailable
from producers.kafka_client import access_error, client_config, connect, is_access_error
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.registry import RECORD_KEY
from schemas.topics import TopicNames


def publish_registry(
    bootstrap: str,
    topics: TopicNames,
    value: bytes,
    *,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    timeout_s: float = 30.0,
    producer_factory: Callable[..., Any] = KafkaProducer,
) -> tuple[int, int]:
    """Produce ``value`` under the registry's record key; ``(partition, offset)`` once acked.

    Raises:
        BrokerUnavailable: the broker did not acknowledge it (nothing counts as published).
        NotAuthorized: no ACL lets this principal write the keys topic.
    """
    producer = connect(
        producer_factory,
        bootstrap=bootstrap,
        security=security,
        unavailable=BrokerUnavailable,
        **client_config(bootstrap, security),
        client_id="corridor-registry-publisher",
        acks="all",
        enable_idempotence=True,
        max_request_size=5 * 1024 * 1024,
    )
    try:
        future = producer.send(topics.keys, key=RECORD_KEY, value=value)
        try:
            metadata = future.get(timeout=timeout_s)
        except KafkaError as exc:
            if is_access_error(exc):
                raise access_error(exc, security, action="write", resource=topics.keys) from exc
            raise BrokerUnavailable(
                f"registry not acknowledged on {topics.keys} (does the topic exist? corridor "
                f"topics create): {exc!r}"
            ) from exc
        return int(metadata.partition), int(metadata.offset)
    finally:
        producer.close(timeout=timeout_s)

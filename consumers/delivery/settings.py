"""How the delivery service runs: its typed, frozen settings."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from consumers.kafka_clients import SHORT_FETCH_WAIT_MS
from consumers.stall_watch import DEFAULT_STALL_S
from schemas.access import DEFAULT_DELIVERY_GROUP
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.group_membership import DYNAMIC, GroupMembership
from schemas.taskforce import TaskForce

#: Inbox producer linger (see ``DeliverySettings.producer_linger_ms``).
DEFAULT_PRODUCER_LINGER_MS = 5
#: Inbox producer batch size (see ``DeliverySettings.producer_batch_bytes``).
DEFAULT_PRODUCER_BATCH_BYTES = 256 * 1024


@dataclass(frozen=True)
class DeliverySettings:
    """How the delivery service runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Members and topic names."""
    group_id: str = DEFAULT_DELIVERY_GROUP
    """Consumer group; several instances share the partitions."""
    poll_timeout_ms: int = 200
    """How long one poll waits for records."""
    max_batch: int = 500
    """Records per poll, hence per commit."""
    fetch_max_wait_ms: int = SHORT_FETCH_WAIT_MS
    """How long the broker may hold a fetch when none of its partitions has new records
    (:data:`consumers.kafka_clients.SHORT_FETCH_WAIT_MS`)."""
    delivery_timeout_s: float = 30.0
    """How long a batch's inbox writes may take before the batch is retried."""
    encryption_key_ids: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Per agency, the ids of its encryption keys whose wraps it may receive (trust store)."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the service authenticates (the hub's identity on a secured cluster)."""
    lag_interval_s: float = 5.0
    """How often the consumer lag gauge is measured (two requests to the broker)."""
    membership: GroupMembership = DYNAMIC
    """Session timeout and static identity in the consumer group."""
    stall_after_s: float = DEFAULT_STALL_S
    """A consumer that polls nothing this long while its group has records waiting and
    its commits stand still is recreated (:mod:`consumers.stall_watch`); 0 switches this
    watch off, and the one for empty polls that keep the thread busy with it."""
    producer_linger_ms: int = DEFAULT_PRODUCER_LINGER_MS
    """How long the inbox producer waits for more records before sending a partition's
    batch: a polled batch is handed over at once and flushed, so this only bounds how
    long one urgent record may wait."""
    producer_batch_bytes: int = DEFAULT_PRODUCER_BATCH_BYTES
    """Largest batch of records per inbox partition in one produce request."""

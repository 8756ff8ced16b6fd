"""How an agency reads its inbox: the inbox client's typed, frozen settings."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from consumers.kafka_clients import SHORT_FETCH_WAIT_MS
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.group_membership import DYNAMIC, GroupMembership
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.topics import TopicNames


@dataclass(frozen=True)
class InboxSettings:
    """How an agency reads its inbox."""

    bootstrap: str
    """Kafka bootstrap servers."""
    agency: str
    """The reading agency."""
    topics: TopicNames
    """Topic naming of the deployment."""
    group_id: str | None = None
    """Consumer group; defaults to ``corridor-inbox-<AGENCY>``."""
    idle_timeout_s: float | None = None
    """Stop after this long without a new delivery; ``None`` follows forever."""
    max_messages: int | None = None
    """Stop after this many deliveries."""
    poll_timeout_ms: int = 200
    """How long one poll waits."""
    fetch_max_wait_ms: int = SHORT_FETCH_WAIT_MS
    """How long the broker may hold a fetch when no partition has new records
    (:data:`consumers.kafka_clients.SHORT_FETCH_WAIT_MS`)."""
    hub_id: str = DEFAULT_HUB_ID
    """The hub's signing identity, for incidents."""
    decryption_key: X25519PrivateKey | None = None
    """The agency's X25519 private key, to decrypt personal data it is cleared for."""
    membership: GroupMembership = DYNAMIC
    """Session timeout (a reader that died without leaving holds its partitions this long)
    and static identity: with an instance id a restarted reader takes its partitions back
    at once instead of waiting out the dead one's session."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the reader authenticates (the agency's identity on a secured cluster)."""

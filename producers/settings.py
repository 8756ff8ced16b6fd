"""Settings of an agency's publisher."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.topics import TopicNames


@dataclass(frozen=True)
class PublisherSettings:
    """How a publisher reaches Kafka. Every send uses acks=all and idempotence."""

    bootstrap: str
    """Kafka bootstrap servers, ``host:port[,host:port]``."""
    topics: TopicNames = field(default_factory=TopicNames)
    """Topic naming of the deployment."""
    client_id: str = "corridor-publisher"
    """Kafka client id (shows in broker logs and quotas)."""
    connect_timeout_s: float = 10.0
    """How long to wait for the cluster before giving up with a clear error."""
    delivery_timeout_s: float = 30.0
    """Upper bound for one send, retries included, before it is reported failed."""
    linger_ms: int = 5
    """Batching delay; small, because alerts are urgent."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the publisher authenticates (the agency's identity on a secured cluster)."""

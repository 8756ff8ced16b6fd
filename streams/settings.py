"""Settings of the stream-processing worker."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.taskforce import TaskForce


@dataclass(frozen=True)
class StreamSettings:
    """How the Faust worker runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Publishing agencies (inbound topics) and topic names."""
    app_id: str = "corridor-streams"
    """Faust application id: the consumer group and prefix of internal topics."""
    data_dir: str = ".local/streams"
    """Faust's local data directory (table stores)."""
    store: str = "memory://"
    """Table store URL (``memory://`` for tests and the demo)."""
    web_port: int = 6066
    """Faust's own web server (health); bound to 127.0.0.1."""
    partitions: int = 3
    """Partitions of topics Faust declares itself."""
    replication_factor: int = 1
    """Replication of topics Faust declares itself."""
    commit_interval_s: float = 1.0
    """How often consumed offsets are committed."""
    dedupe_retention_s: float = 30 * 24 * 3600.0
    """How long (event time) deduplication remembers an alert or a record digest."""

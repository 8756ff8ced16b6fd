"""The pipeline's topics, derived from the task-force configuration.

Keys: alerts are keyed ``AGENCY:alert_id`` from the producer on, so every revision
of an alert lands on one partition of every topic and deduplication state can be
partitioned the same way (co-partitioned inbound, verified and alerts topics).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.taskforce import TaskForce

DEFAULT_PARTITIONS = 3
#: Quarantine keeps evidence of forgery attempts: longer than the default week.
QUARANTINE_RETENTION_MS = 90 * 24 * 3600 * 1000
#: The audit topics keep everything: investigators must be able to prove what happened.
AUDIT_CONFIG = (("retention.ms", "-1"), ("retention.bytes", "-1"), ("cleanup.policy", "delete"))


@dataclass(frozen=True)
class TopicSpec:
    """One topic to create."""

    name: str
    """Topic name."""
    partitions: int
    """Partition count."""
    config: tuple[tuple[str, str], ...] = ()
    """Topic-level configuration overrides."""


def pipeline_topics(taskforce: TaskForce, partitions: int = DEFAULT_PARTITIONS) -> list[TopicSpec]:
    """Every topic the pipeline needs, in creation order."""
    topics = taskforce.topics
    # The broker stamps inbound records on append: the freshness check's clock, which no
    # sender can set (CreateTime is the producer's choice).
    inbound_config = (("message.timestamp.type", "LogAppendTime"),)
    specs = [
        TopicSpec(topics.inbound(m.agency_id), partitions, inbound_config)
        for m in taskforce.publishers
    ]
    specs += [
        TopicSpec(topics.verified, partitions),
        TopicSpec(topics.alerts, partitions),
        TopicSpec(topics.incidents, partitions),
        TopicSpec(topics.correlation, 1),
        TopicSpec(topics.quarantine, 1, (("retention.ms", str(QUARANTINE_RETENTION_MS)),)),
    ]
    specs += [TopicSpec(topics.inbox(m.agency_id), partitions) for m in taskforce.recipients]
    specs += [TopicSpec(topics.receipts(m.agency_id), partitions) for m in taskforce.recipients]
    # Dead letters wait for an operator to replay them: keep them as long as quarantine.
    specs.append(
        TopicSpec(topics.dead_letters, 1, (("retention.ms", str(QUARANTINE_RETENTION_MS)),))
    )
    # The signed key registry: compaction keeps the newest version (one record key).
    specs.append(TopicSpec(topics.keys, 1, (("cleanup.policy", "compact"),)))
    # The audit chain: one partition (one order), never deleted, never compacted.
    specs.append(TopicSpec(topics.audit, 1, AUDIT_CONFIG))
    specs.append(TopicSpec(topics.audit_events, 1, AUDIT_CONFIG))
    return specs

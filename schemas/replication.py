"""How many copies of every Corridor topic a cluster keeps, and the checks on that choice.

The ``[kafka]`` table of the task-force file sets the replication factor and
``min.insync.replicas`` of every topic the hub creates: ``corridor topics create`` and
the Faust worker's own (changelog and leader) topics. Every producer of Corridor sends
with ``acks=all``, so a write is acknowledged once ``min.insync.replicas`` copies have it;
unclean leader election is always off, so a replica that missed acknowledged writes
never becomes leader. The checks here are pure: the caller says how many brokers the
cluster has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.errors import ConfigError

#: Keys of the task-force file's ``[kafka]`` table (docs/taskforce-file.md).
KAFKA_KEYS = frozenset({"replication_factor", "min_insync_replicas"})


class ReplicationError(ConfigError):
    """The replication settings cannot work (on this cluster)."""


@dataclass(frozen=True)
class Replication:
    """Replication of every Corridor topic.

    The defaults suit a single development broker; a production cluster wants three
    brokers, ``replication_factor = 3`` and ``min_insync_replicas = 2``.
    """

    replication_factor: int = 1
    """Copies of every partition (on distinct brokers)."""
    min_insync_replicas: int = 1
    """Copies that must have a write before an ``acks=all`` producer is told it is done."""

    def __post_init__(self) -> None:
        for name in ("replication_factor", "min_insync_replicas"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ReplicationError(f"kafka.{name}: {value!r} is not a positive integer")
        if self.replication_factor < self.min_insync_replicas:
            raise ReplicationError(
                f"kafka.replication_factor {self.replication_factor} is below "
                f"kafka.min_insync_replicas {self.min_insync_replicas}: no write could ever "
                "be acknowledged (acks=all); raise the factor or lower the minimum"
            )

    def topic_config(self) -> dict[str, str]:
        """Topic-level settings every Corridor topic is created with."""
        return {
            "min.insync.replicas": str(self.min_insync_replicas),
            "unclean.leader.election.enable": "false",
        }

    def check_cluster(self, brokers: int) -> list[str]:
        """Warnings about these settings on a cluster of ``brokers`` brokers.

        Raises:
            ReplicationError: the cluster has fewer brokers than the replication factor.
        """
        if self.replication_factor > brokers:
            raise ReplicationError(
                f"kafka.replication_factor {self.replication_factor} needs at least that many "
                f"brokers; the cluster has {brokers}"
            )
        warnings: list[str] = []
        if self.replication_factor == 1 and brokers > 1:
            warnings.append(
                f"kafka.replication_factor is 1 on a {brokers}-broker cluster: acks=all waits "
                "for one copy only, and every topic is lost or unavailable with its broker; "
                "set replication_factor = 3 and min_insync_replicas = 2"
            )
        elif self.replication_factor > 1 and self.min_insync_replicas == self.replication_factor:
            warnings.append(
                f"kafka.min_insync_replicas equals the replication factor "
                f"({self.replication_factor}): one broker down stops every publish; "
                "min_insync_replicas = replication_factor - 1 keeps writing through one failure"
            )
        elif self.replication_factor > 1 and self.min_insync_replicas == 1:
            warnings.append(
                "kafka.min_insync_replicas is 1: an acknowledged write may exist on one broker "
                "only and be lost with it; set it to 2"
            )
        return warnings


def parse_replication(raw: Any) -> Replication:
    """The ``[kafka]`` table of the task-force file (absent: the single-broker defaults)."""
    if raw is None:
        return Replication()
    if not isinstance(raw, dict):
        raise ConfigError("kafka: expected a table")
    unknown = set(raw) - KAFKA_KEYS
    if unknown:
        raise ConfigError(f"kafka: unknown keys {', '.join(sorted(unknown))}")
    factor = raw.get("replication_factor", Replication().replication_factor)
    # Two copies must acknowledge once there are two or more: one broker may fail unnoticed.
    default_min_isr = min(2, factor) if isinstance(factor, int) and factor > 0 else 1
    return Replication(
        replication_factor=factor,
        min_insync_replicas=raw.get("min_insync_replicas", default_min_isr),
    )

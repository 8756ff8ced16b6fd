"""Kafka topic names of the pipeline, derived from one prefix.

The signed envelope carries the inbound topic name, so every party must derive
the same names: ``<prefix>.inbound.<AGENCY>`` is where an agency publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "corridor"


@dataclass(frozen=True)
class TopicNames:
    """Topic names for one deployment (one prefix)."""

    prefix: str = DEFAULT_PREFIX
    """Leading component of every topic name; tests use a unique one per run."""

    def inbound(self, agency: str) -> str:
        """Where ``agency`` publishes its signed alerts (keyed by ``AGENCY:alert_id``)."""
        return f"{self.prefix}.inbound.{agency}"

    @property
    def verified(self) -> str:
        """Alerts whose signature and schema checked out, original bytes unchanged."""
        return f"{self.prefix}.verified"

    @property
    def alerts(self) -> str:
        """Verified alerts after deduplication: what the task force receives."""
        return f"{self.prefix}.alerts"

    @property
    def incidents(self) -> str:
        """Correlated incidents (several alerts of one operation)."""
        return f"{self.prefix}.incidents"

    @property
    def correlation(self) -> str:
        """Alert features for the correlator: one partition, since incidents span all alerts."""
        return f"{self.prefix}.correlation"

    @property
    def quarantine(self) -> str:
        """Everything rejected, with a reason and the original bytes (JSON records)."""
        return f"{self.prefix}.quarantine"

    def inbox(self, agency: str) -> str:
        """Deliveries to one task-force member."""
        return f"{self.prefix}.inbox.{agency}"

    def receipts(self, agency: str) -> str:
        """Signed receipts ``agency`` sends for what it was delivered (only it writes here)."""
        return f"{self.prefix}.receipts.{agency}"

    @property
    def dead_letters(self) -> str:
        """Webhook deliveries that failed every attempt, kept for replay."""
        return f"{self.prefix}.deadletter"

    @property
    def keys(self) -> str:
        """The signed key registry (compacted; one record key, ``registry``)."""
        return f"{self.prefix}.keys"

    @property
    def audit(self) -> str:
        """The audit chain (one partition, kept forever; only the auditor writes here)."""
        return f"{self.prefix}.audit"

    @property
    def audit_events(self) -> str:
        """Life events only a process knows about (e.g. dedupe drops), for the auditor."""
        return f"{self.prefix}.audit-events"


def message_key(agency: str, alert_id: str) -> bytes:
    """Kafka key of an alert: all revisions of one alert share a partition."""
    return f"{agency}:{alert_id}".encode()

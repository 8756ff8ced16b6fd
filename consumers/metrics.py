"""Prometheus metrics every service shares: consumer lag, poison records, key validity.

Also the key-registry follower's metrics (every verifying service runs one) and the
latency buckets. A service's own metrics object lives in its package
(``consumers.delivery.metrics``, ``consumers.webhooks.metrics``, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from schemas.reasons import POISON
from schemas.truststore import TrustStore


def consumer_lag_gauge(registry: CollectorRegistry) -> Gauge:
    """``corridor_consumer_lag{group, topic, partition}``, the same in every service."""
    return Gauge(
        "corridor_consumer_lag",
        "Records not yet handled for good (log-end minus committed offset), by consumer "
        "group, topic and partition; for a reader without a group (receipt tracker, recall "
        "service) log-end minus its position, with its client id as group",
        ["group", "topic", "partition"],
        registry=registry,
    )


def consumer_restarts_counter(registry: CollectorRegistry) -> Counter:
    """``corridor_consumer_restarts{group}``, the same in every service that has one."""
    return Counter(
        "corridor_consumer_restarts",
        "Group consumers recreated because they polled nothing while their group had "
        "records waiting and its commits stood still, or because their empty polls kept "
        "their thread busy (consumers.stall_watch), by group",
        ["group"],
        registry=registry,
    )


def poison_records_counter(registry: CollectorRegistry) -> Counter:
    """``corridor_poison_records{stage, reason}``, the same in every hub service."""
    return Counter(
        "corridor_poison_records",
        "Records quarantined for their size or shape rather than their content (reason "
        "tombstone, record_too_large or unprocessable), by stage and reason",
        ["stage", "reason"],
        registry=registry,
    )


def quarantine_truncated_counter(registry: CollectorRegistry) -> Counter:
    """``corridor_quarantine_truncated{stage}``, the same in every hub service."""
    return Counter(
        "corridor_quarantine_truncated",
        "Quarantine records written with only the SHA-256, size and a prefix of the "
        "original record, which was too large to keep whole, by stage",
        ["stage"],
        registry=registry,
    )


def poison_counters(registry: CollectorRegistry, stage: str) -> tuple[Counter, Counter]:
    """:func:`poison_records_counter` and :func:`quarantine_truncated_counter` of a service
    with one stage, at 0 from the start so that increase() sees the first record."""
    poison = poison_records_counter(registry)
    truncated = quarantine_truncated_counter(registry)
    truncated.labels(stage)
    for reason in POISON:
        poison.labels(stage, reason)
    return poison, truncated


def key_validity_gauge(registry: CollectorRegistry) -> Gauge:
    """``corridor_registry_key_valid_until_seconds{agency, key_id, status}``."""
    return Gauge(
        "corridor_registry_key_valid_until_seconds",
        "End of each signing key's validity (Unix time; +Inf: no end; a revoked key: its "
        "compromised_at, or -Inf), by agency, key id and status; from the key registry in "
        "use, or from the trust-store file of a service that uses one",
        ["agency", "key_id", "status"],
        registry=registry,
    )


def set_key_validity(gauge: Gauge, store: TrustStore) -> None:
    """Set ``gauge`` (see :func:`key_validity_gauge`) to the signing keys of ``store`` only.

    A revoked key's validity ends at its ``compromised_at`` (-Inf without one).
    """
    gauge.clear()
    for agency in store.agencies.values():
        for key in agency.keys.values():
            until = math.inf if key.valid_until is None else key.valid_until.timestamp()
            if key.status == "revoked" and key.compromised_at is not None:
                until = min(until, key.compromised_at.timestamp())
            elif key.status == "revoked":
                until = -math.inf
            gauge.labels(agency.agency_id, key.key_id, key.status).set(until)


#: Seconds; alerts are meant to arrive within seconds, so fine buckets below 1 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class RegistryMetrics:
    """What a follower of the signed key registry reports (in the service that runs it)."""

    version: Gauge
    expiry: Gauge
    key_valid_until: Gauge
    applied: Counter
    rejected: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> RegistryMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            version=Gauge(
                "corridor_registry_version",
                "Version of the key registry in use (0: none yet)",
                registry=registry,
            ),
            expiry=Gauge(
                "corridor_registry_expiry_seconds",
                "Seconds until the key registry in use expires (negative: expired, nothing "
                "verifies)",
                registry=registry,
            ),
            key_valid_until=key_validity_gauge(registry),
            applied=Counter(
                "corridor_registry_updates",
                "Key registry versions accepted",
                registry=registry,
            ),
            rejected=Counter(
                "corridor_registry_rejected_updates",
                "Key registry records refused, by reason (rollback, insufficient_signatures, "
                "expired, ...)",
                ["reason"],
                registry=registry,
            ),
        )

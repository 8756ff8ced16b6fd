"""Prometheus metrics of the hub's recall service."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from consumers.metrics import consumer_lag_gauge


@dataclass(frozen=True)
class RecallMetrics:
    """What the hub's recall service reports."""

    notices: Counter
    alerts: Counter
    failures: Counter
    alerts_seen: Gauge
    revoked_keys: Gauge
    lag: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> RecallMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            notices=Counter(
                "corridor_recall_notices",
                "Recall notices written to a member's inbox and acknowledged, by recipient "
                "agency and the recalled alert's originating agency (a restart writes them "
                "again, with the same delivery ids)",
                ["agency", "origin"],
                registry=registry,
            ),
            alerts=Counter(
                "corridor_recalled_alerts",
                "Delivered alerts recalled (signed with a key after its compromised_at), by "
                "originating agency",
                ["origin"],
                registry=registry,
            ),
            failures=Counter(
                "corridor_recall_failures",
                "Recall notices not acknowledged (retried), by recipient agency",
                ["agency"],
                registry=registry,
            ),
            alerts_seen=Gauge(
                "corridor_recall_alerts_scanned",
                "Alerts of the alerts topic the recall service has read (since it started)",
                registry=registry,
            ),
            revoked_keys=Gauge(
                "corridor_recall_revoked_keys",
                "Revoked signing keys in the key registry (or trust store) in use",
                registry=registry,
            ),
            lag=consumer_lag_gauge(registry),
        )

"""Prometheus metrics of the TAXII server (its ingester and its HTTP endpoint)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter


@dataclass(frozen=True)
class TaxiiMetrics:
    """What ``corridor taxii serve`` reports."""

    ingested: Counter
    skipped: Counter
    requests: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> TaxiiMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            ingested=Counter(
                "corridor_taxii_ingested",
                "Inbox deliveries stored as STIX, by collection (agency) and kind (alert, "
                "incident, recall: a recall revokes the recalled alert's objects)",
                ["agency", "kind"],
                registry=registry,
            ),
            skipped=Counter(
                "corridor_taxii_skipped",
                "Inbox records not stored, by collection (agency) and reason (a verification "
                "reason code of the rejected delivery)",
                ["agency", "reason"],
                registry=registry,
            ),
            requests=Counter(
                "corridor_taxii_requests",
                "TAXII requests answered, by HTTP status",
                ["status"],
                registry=registry,
            ),
        )

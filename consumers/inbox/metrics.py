"""Prometheus metrics of the inbox client."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

from consumers.metrics import LATENCY_BUCKETS


@dataclass(frozen=True)
class InboxMetrics:
    """What the inbox client reports."""

    received: Counter
    verified: Counter
    rejected: Counter
    end_to_end: Histogram
    recalls: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> InboxMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            received=Counter(
                "corridor_inbox_received", "Deliveries read from the inbox", registry=registry
            ),
            verified=Counter(
                "corridor_inbox_verified",
                "Deliveries whose originator signature verified, by originating agency",
                ["origin"],
                registry=registry,
            ),
            rejected=Counter(
                "corridor_inbox_rejected",
                "Deliveries that failed verification at the recipient, by reason",
                ["reason"],
                registry=registry,
            ),
            end_to_end=Histogram(
                "corridor_inbox_publish_to_read_seconds",
                "From the originator's produce time to the recipient reading it",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            recalls=Counter(
                "corridor_inbox_recalls",
                "Verified recall notices read (a delivered alert withdrawn), by the recalled "
                "alert's originating agency",
                ["origin"],
                registry=registry,
            ),
        )

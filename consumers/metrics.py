"""Prometheus metrics of the delivery service and the inbox client."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

#: Seconds; alerts are meant to arrive within seconds, so fine buckets below 1 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class DeliveryMetrics:
    """Everything the delivery service reports."""

    received: Counter
    delivered: Counter
    decisions: Counter
    failures: Counter
    end_to_end: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DeliveryMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            received=Counter(
                "corridor_delivery_received",
                "Verified alerts read by the delivery service",
                registry=registry,
            ),
            delivered=Counter(
                "corridor_deliveries",
                "Alerts written to a member's inbox, by recipient agency",
                ["agency"],
                registry=registry,
            ),
            decisions=Counter(
                "corridor_policy_decisions",
                "Sharing-policy decisions, one per member and item: kind (alert, incident), "
                "recipient agency, and reason (allowed, or why it was withheld)",
                ["kind", "agency", "reason"],
                registry=registry,
            ),
            failures=Counter(
                "corridor_delivery_failures",
                "Inbox writes that were not acknowledged (retried), by recipient agency",
                ["agency"],
                registry=registry,
            ),
            end_to_end=Histogram(
                "corridor_publish_to_inbox_seconds",
                "From the originator's produce time to the inbox write being acknowledged",
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class InboxMetrics:
    """What the inbox client reports."""

    received: Counter
    verified: Counter
    rejected: Counter
    end_to_end: Histogram

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
        )

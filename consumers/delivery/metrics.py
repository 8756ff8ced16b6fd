"""Prometheus metrics of the delivery service."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from consumers.metrics import (
    LATENCY_BUCKETS,
    consumer_lag_gauge,
    consumer_restarts_counter,
    poison_counters,
)


@dataclass(frozen=True)
class DeliveryMetrics:
    """Everything the delivery service reports."""

    received: Counter
    delivered: Counter
    decisions: Counter
    failures: Counter
    end_to_end: Histogram
    lag: Gauge
    consumer_restarts: Counter
    poison: Counter
    truncated: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> DeliveryMetrics:
        """Register the metrics in ``registry``."""
        poison, truncated = poison_counters(registry, "delivery")
        return cls(
            poison=poison,
            truncated=truncated,
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
                "From the originator's produce time to the inbox write being acknowledged, "
                "by recipient agency",
                ["agency"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            lag=consumer_lag_gauge(registry),
            consumer_restarts=consumer_restarts_counter(registry),
        )

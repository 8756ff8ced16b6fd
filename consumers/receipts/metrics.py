"""Prometheus metrics of the hub's receipt tracker."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from consumers.metrics import consumer_lag_gauge, poison_counters

#: Seconds; receipts come from people's systems, and ACTIONED from people: up to days.
RECEIPT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21600.0, 86400.0)


@dataclass(frozen=True)
class ReceiptMetrics:
    """What the hub's receipt tracker reports, per recipient agency."""

    receipts: Counter
    rejected: Counter
    unacknowledged: Gauge
    oldest_unacknowledged: Gauge
    latency: Histogram
    lag: Gauge
    poison: Counter
    truncated: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ReceiptMetrics:
        """Register the metrics in ``registry``."""
        poison, truncated = poison_counters(registry, "receipts")
        return cls(
            poison=poison,
            truncated=truncated,
            receipts=Counter(
                "corridor_receipts",
                "Verified receipts (first of each status per delivery), by agency and status",
                ["agency", "status"],
                registry=registry,
            ),
            rejected=Counter(
                "corridor_receipts_rejected",
                "Receipts that failed verification or came from the wrong agency, by the "
                "receipts topic's agency and reason",
                ["agency", "reason"],
                registry=registry,
            ),
            unacknowledged=Gauge(
                "corridor_deliveries_unacknowledged",
                "Deliveries the recipient has sent no receipt for yet, by agency",
                ["agency"],
                registry=registry,
            ),
            oldest_unacknowledged=Gauge(
                "corridor_oldest_unacknowledged_delivery_seconds",
                "Age of the oldest delivery without a receipt, by agency (0 when none)",
                ["agency"],
                registry=registry,
            ),
            latency=Histogram(
                "corridor_delivery_to_receipt_seconds",
                "From the inbox write to the recipient's receipt, by agency and status",
                ["agency", "status"],
                buckets=RECEIPT_BUCKETS,
                registry=registry,
            ),
            lag=consumer_lag_gauge(registry),
        )

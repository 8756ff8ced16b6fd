"""Prometheus metrics of the webhook dispatcher, replay and an agency's webhook receiver."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from consumers.metrics import (
    consumer_lag_gauge,
    consumer_restarts_counter,
    poison_counters,
)

#: Seconds of one webhook POST, TLS handshake included.
POST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class WebhookMetrics:
    """What the webhook dispatcher and ``corridor webhooks replay`` report."""

    attempts: Counter
    dead_lettered: Counter
    replayed: Counter
    post_seconds: Histogram
    lag: Gauge
    consumer_restarts: Counter
    poison: Counter
    truncated: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> WebhookMetrics:
        """Register the metrics in ``registry``."""
        poison, truncated = poison_counters(registry, "webhooks")
        return cls(
            poison=poison,
            truncated=truncated,
            attempts=Counter(
                "corridor_webhook_attempts",
                "Webhook POSTs by recipient agency and outcome "
                "(delivered, http_4xx, http_5xx, http_other, network_error)",
                ["agency", "outcome"],
                registry=registry,
            ),
            dead_lettered=Counter(
                "corridor_webhook_dead_lettered",
                "Deliveries written to the dead-letter topic after their last failed attempt",
                ["agency"],
                registry=registry,
            ),
            replayed=Counter(
                "corridor_webhook_replayed",
                "Dead letters POSTed again by replay, by agency and outcome (delivered, failed)",
                ["agency", "outcome"],
                registry=registry,
            ),
            post_seconds=Histogram(
                "corridor_webhook_post_seconds",
                "Duration of one webhook POST until the response status, by agency",
                ["agency"],
                buckets=POST_BUCKETS,
                registry=registry,
            ),
            lag=consumer_lag_gauge(registry),
            consumer_restarts=consumer_restarts_counter(registry),
        )


@dataclass(frozen=True)
class ReceiverMetrics:
    """What an agency's webhook receiver reports."""

    requests: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ReceiverMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            requests=Counter(
                "corridor_webhook_receiver_requests",
                "Webhook requests by outcome (stored, duplicate, unauthorized, bad_request, "
                "store_error)",
                ["outcome"],
                registry=registry,
            ),
        )

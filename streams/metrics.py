"""Prometheus metrics of the stream processors."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Seconds spent verifying one record: signature checks take tens of microseconds.
VERIFY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)


@dataclass(frozen=True)
class StreamMetrics:
    """Everything the verification and deduplication stages report."""

    received: Counter
    verified: Counter
    quarantined: Counter
    accepted: Counter
    dropped: Counter
    state_entries: Gauge
    expired: Counter
    verify_seconds: Histogram
    incidents: Counter
    correlation_state: Gauge
    correlate_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> StreamMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            received=Counter(
                "corridor_stream_received",
                "Records read from agencies' inbound topics, by inbound topic's agency",
                ["agency"],
                registry=registry,
            ),
            verified=Counter(
                "corridor_stream_verified",
                "Alerts that passed verification, by originating agency",
                ["agency"],
                registry=registry,
            ),
            quarantined=Counter(
                "corridor_stream_quarantined",
                "Records sent to quarantine, by stage and reason",
                ["stage", "reason"],
                registry=registry,
            ),
            accepted=Counter(
                "corridor_stream_accepted",
                "Alerts passed on to delivery by the deduplication stage, new or update",
                ["status"],
                registry=registry,
            ),
            dropped=Counter(
                "corridor_stream_duplicates",
                "Records dropped by deduplication: exact (same bytes, before verification), "
                "duplicate (same alert revision) or stale (older revision than delivered)",
                ["kind"],
                registry=registry,
            ),
            state_entries=Gauge(
                "corridor_stream_state_entries",
                "Entries tracked in the deduplication tables of this worker",
                ["table"],
                registry=registry,
            ),
            expired=Counter(
                "corridor_stream_state_expired",
                "Table entries removed after the retention window",
                ["table"],
                registry=registry,
            ),
            incidents=Counter(
                "corridor_stream_incident_versions",
                "Incident versions published, by status (ACTIVE, MERGED, WITHDRAWN)",
                ["status"],
                registry=registry,
            ),
            correlation_state=Gauge(
                "corridor_stream_correlation_state",
                "Correlation state: alerts held, links between them, common values",
                ["item"],
                registry=registry,
            ),
            correlate_seconds=Histogram(
                "corridor_stream_correlate_seconds",
                "Time to correlate one alert (scoring and incident assembly)",
                buckets=VERIFY_BUCKETS,
                registry=registry,
            ),
            verify_seconds=Histogram(
                "corridor_stream_verify_seconds",
                "Time to verify one record",
                buckets=VERIFY_BUCKETS,
                registry=registry,
            ),
        )

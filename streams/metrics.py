"""Prometheus metrics of the stream processors."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from consumers.metrics import (
    LATENCY_BUCKETS,
    consumer_lag_gauge,
    poison_records_counter,
    quarantine_truncated_counter,
)
from schemas import reasons

#: Seconds spent verifying one record: signature checks take tens of microseconds.
VERIFY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)
#: Seconds a stage spends on one batch (deciding it, or awaiting its acknowledgements).
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: Records in one batch.
BATCH_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
#: The phases of a stage's batch, the values of ``corridor_stream_stage_batch_seconds{phase}``.
PHASE_DECIDE = "decide"
PHASE_SEND = "send"


#: The worker's outputs, the values of ``corridor_stream_send_retries{output}``.
SEND_OUTPUTS = ("verified", "quarantine", "alerts", "correlation", "incidents")
#: The worker's stages, the ``stage`` of its quarantine records.
STAGES = ("verify", "dedupe", "correlate")


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
    produce_to_verified: Histogram
    produce_to_alerts: Histogram
    send_retries: Counter
    lag: Gauge
    poison: Counter
    truncated: Counter
    large_incidents: Counter
    correlation_batch: Histogram
    stage_batch_seconds: Histogram
    stage_batch_records: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry) -> StreamMetrics:
        """Register the metrics in ``registry``."""
        metrics = cls(
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
                "Records sent to quarantine, by stage, reason and the inbound topic's agency "
                "(the claimed originator is not trusted, so not used)",
                ["stage", "reason", "agency"],
                registry=registry,
            ),
            accepted=Counter(
                "corridor_stream_accepted",
                "Alerts passed on to delivery by the deduplication stage, by status (new, "
                "update) and originating agency",
                ["status", "agency"],
                registry=registry,
            ),
            dropped=Counter(
                "corridor_stream_duplicates",
                "Records dropped by deduplication: exact (same bytes, before verification), "
                "duplicate (same alert revision) or stale (older revision than delivered), by "
                "kind and agency (exact: the inbound topic's; else the originating agency)",
                ["kind", "agency"],
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
                "Time to correlate one batch of alerts (scoring and incident assembly)",
                buckets=VERIFY_BUCKETS,
                registry=registry,
            ),
            verify_seconds=Histogram(
                "corridor_stream_verify_seconds",
                "Time to verify one record",
                buckets=VERIFY_BUCKETS,
                registry=registry,
            ),
            produce_to_verified=Histogram(
                "corridor_stream_publish_to_verified_seconds",
                "From the originator's signed produce time to the alert passing verification, "
                "by originating agency",
                ["agency"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            produce_to_alerts=Histogram(
                "corridor_stream_publish_to_alerts_seconds",
                "From the originator's signed produce time to the alert being passed on to the "
                "alerts topic (acknowledged), by originating agency",
                ["agency"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            send_retries=Counter(
                "corridor_stream_send_retries",
                "Sends the broker did not acknowledge (retried until it does), by output "
                "(verified, quarantine, alerts, correlation, incidents)",
                ["output"],
                registry=registry,
            ),
            lag=consumer_lag_gauge(registry),
            poison=poison_records_counter(registry),
            truncated=quarantine_truncated_counter(registry),
            large_incidents=Counter(
                "corridor_stream_large_incident_versions",
                "Incident versions published with more members than --incident-size-warning: "
                "an incident growing without end usually means a common value glues unrelated "
                "alerts together",
                registry=registry,
            ),
            correlation_batch=Histogram(
                "corridor_stream_correlation_batch_alerts",
                "Alerts correlated together (their incident versions coalesced into one each)",
                buckets=BATCH_SIZE_BUCKETS,
                registry=registry,
            ),
            stage_batch_seconds=Histogram(
                "corridor_stream_stage_batch_seconds",
                "Time a stage spent on one batch, by stage (verify, dedupe, correlate) and "
                "phase: decide (the stage's own work) or send (awaiting every output's "
                "acknowledgement); a batch's records wait for both",
                ["stage", "phase"],
                buckets=BATCH_BUCKETS,
                registry=registry,
            ),
            stage_batch_records=Histogram(
                "corridor_stream_stage_batch_records",
                "Records a stage decided together, by stage",
                ["stage"],
                buckets=BATCH_SIZE_BUCKETS,
                registry=registry,
            ),
        )
        for output in SEND_OUTPUTS:  # present at 0 from the start: no retry is news too
            metrics.send_retries.labels(output)
        for stage in STAGES:  # at 0 from the start, so that increase() sees the first one
            metrics.truncated.labels(stage)
            for reason in reasons.POISON:
                metrics.poison.labels(stage, reason)
        return metrics

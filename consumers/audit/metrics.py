"""Prometheus metrics of the auditor (the audit chain's single writer)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass(frozen=True)
class AuditMetrics:
    """Everything the auditor reports."""

    records: Counter
    checkpoints: Counter
    lag: Gauge
    head_seq: Gauge
    failures: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AuditMetrics:
        """Register the metrics in ``registry``."""
        return cls(
            records=Counter(
                "corridor_audit_records",
                "Event records appended to the audit chain and acknowledged, by event kind",
                ["kind"],
                registry=registry,
            ),
            checkpoints=Counter(
                "corridor_audit_checkpoints",
                "Signed checkpoints appended to the audit chain and acknowledged",
                registry=registry,
            ),
            lag=Gauge(
                "corridor_audit_lag",
                "Source records not yet in the audit chain, by source topic",
                ["topic"],
                registry=registry,
            ),
            head_seq=Gauge(
                "corridor_audit_chain_length",
                "Seq of the audit chain's head (records in the chain, checkpoints included)",
                registry=registry,
            ),
            failures=Counter(
                "corridor_audit_write_failures",
                "Audit batches not acknowledged (the chain is re-read and the batch retried)",
                registry=registry,
            ),
        )

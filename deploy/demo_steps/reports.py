"""What the operator and an investigator see at the end of the demo: incidents, metrics,
``corridor status`` and an alert's path through the audit chain."""

from __future__ import annotations

import json

from demo_steps.harness import (
    WORKDIR,
    DemoRun,
    corridor,
    corridor_quiet,
    metrics_excerpt,
    say,
    wait_for,
)
from demo_steps.hub import Hub


def show_incidents(run: DemoRun) -> None:
    """The incidents the hub correlated (``corridor incidents export --active-only``)."""
    config, kafka = run.config, run.kafka
    say("Incidents the hub correlated: `corridor incidents export --active-only`")
    incidents_out = WORKDIR / "incidents.jsonl"
    corridor(
        "incidents",
        "export",
        "--config",
        str(config),
        *kafka,
        "--active-only",
        "--out",
        str(incidents_out),
    )
    for line in incidents_out.read_text("utf-8").splitlines():
        incident = json.loads(line)
        print(
            f"  {incident['incident_id']} v{incident['version']} "
            f"confidence {incident['confidence']:.2f}: {incident['explanation']}"
        )


def show_metrics(hub: Hub) -> None:
    """Excerpts of the worker's and the delivery service's metrics."""
    worker_metrics, delivery_metrics = hub.worker_metrics, hub.delivery_metrics
    say("Metrics (Prometheus text format)")
    print(f"worker:   http://127.0.0.1:{worker_metrics}/metrics")
    for line in metrics_excerpt(
        worker_metrics,
        (
            "corridor_stream_verified_total",
            "corridor_stream_quarantined_total",
            "corridor_stream_duplicates_total",
            "corridor_stream_accepted_total",
            "corridor_stream_incident_versions_total",
        ),
    ):
        print(f"  {line}")
    print(f"delivery: http://127.0.0.1:{delivery_metrics}/metrics")
    for line in metrics_excerpt(
        delivery_metrics,
        (
            "corridor_deliveries_total",
            "corridor_policy_decisions_total",
            "corridor_publish_to_inbox_seconds_count",
            "corridor_publish_to_inbox_seconds_sum",
        ),
    ):
        print(f"  {line}")


def show_status(hub: Hub) -> None:
    """``corridor status --once``, read from the demo's Prometheus."""
    prometheus = hub.prometheus
    say("The operator's view: `corridor status --once` (read from Prometheus)")
    code = corridor("status", "--prometheus", prometheus.url, "--once", check=False)
    print(f"(exit code {code}: 1 means a component is down or an alert fires; here the")
    print(" forged and the tampered records raise CorridorBadSignatures, as they should)")


def show_trace(run: DemoRun, victim_id: str) -> None:
    """The victim alert's path from the audit chain, and the chain verified."""
    config, kafka = run.config, run.kafka
    say("An investigator's view: the victim alert's path, from the audit chain")
    alert_ref = f"PK-FIA:{victim_id}"
    wait_for(
        lambda: "receipted by GR-HCG" in corridor_quiet("trace", alert_ref, *kafka).stdout,
        120,
        "the auditor to chain GR-HCG's receipt",
    )
    corridor("trace", alert_ref, *kafka)
    corridor("audit", "verify", "--config", str(config), *kafka)

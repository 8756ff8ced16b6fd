"""The hub the demo starts: keys, topics, worker, delivery, receipt tracker, auditor, Prometheus."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from demo_steps.harness import (
    PUBLISHERS,
    WORKDIR,
    DemoRun,
    corridor,
    port_or_free,
    say,
    start,
)
from kafka_local.config import free_port
from prometheus_local.config import PrometheusConfig
from prometheus_local.server import LocalPrometheus
from schemas.taskforce import DEFAULT_HUB_ID as HUB_ID


@dataclass(frozen=True)
class Hub:
    """What the demo started for the hub, as later steps need it."""

    worker_metrics: int
    """The streams worker's metrics port."""
    delivery_metrics: int
    """The delivery service's metrics port."""
    receipts_metrics: int
    """The receipt tracker's metrics port."""
    audit_metrics: int
    """The auditor's metrics port."""
    delivery_group: str
    """The delivery service's consumer group."""
    prometheus: LocalPrometheus
    """The Prometheus scraping them."""


def start_hub(
    run: DemoRun,
    processes: list[subprocess.Popen[bytes]],
    stoppers: list[Callable[[], object]],
) -> Hub:
    """Keys for every agency, the topics, the hub's processes (added to ``processes``) and
    Prometheus (its stop added to ``stoppers``)."""
    config, kafka, prefix = run.config, run.kafka, run.prefix
    say("Each partner agency generates its signing key; the task force registers it")
    for agency in (*PUBLISHERS, "EU-EUROPOL", HUB_ID):
        corridor(
            "keys",
            "generate",
            "--agency",
            agency,
            "--out-dir",
            str(WORKDIR / "keys"),
            "--trust-store",
            str(WORKDIR / "trust-store.json"),
        )
    corridor("keys", "list", "--trust-store", str(WORKDIR / "trust-store.json"))

    say(f"Creating the pipeline's topics (prefix {prefix})")
    corridor("topics", "create", "--config", str(config), *kafka)

    worker_metrics, delivery_metrics = port_or_free(9401), port_or_free(9402)
    say("Starting the hub: Faust verification worker, delivery service, receipt tracker")
    processes.append(
        start(
            "streams-worker",
            "streams",
            "worker",
            "--config",
            str(config),
            *kafka,
            "--metrics-port",
            str(worker_metrics),
            "--web-port",
            str(free_port()),
            "--data-dir",
            str(WORKDIR / "streams"),
            "--app-id",
            f"{prefix}-streams",
            "--hub-key",
            str(WORKDIR / "keys" / f"{HUB_ID}.key"),
        )
    )
    group = f"{prefix}-delivery"
    processes.append(
        start(
            "delivery",
            "delivery",
            "--config",
            str(config),
            *kafka,
            "--metrics-port",
            str(delivery_metrics),
            "--group",
            group,
        )
    )
    receipts_metrics = port_or_free(9404)
    processes.append(
        start(
            "receipts",
            "receipts",
            "track",
            "--config",
            str(config),
            *kafka,
            "--metrics-port",
            str(receipts_metrics),
        )
    )
    audit_metrics = port_or_free(9406)
    processes.append(
        start(
            "auditor",
            "audit",
            "run",
            "--config",
            str(config),
            *kafka,
            "--hub-key",
            str(WORKDIR / "keys" / f"{HUB_ID}.key"),
            "--trust-store",
            str(WORKDIR / "trust-store.json"),
            "--metrics-port",
            str(audit_metrics),
            "--checkpoint-interval",
            "5s",
        )
    )
    print(f"logs in {WORKDIR}/streams-worker.log, delivery.log, receipts.log and auditor.log")

    say("Starting Prometheus (Debian's package) to scrape the hub every second")
    prometheus = LocalPrometheus(
        PrometheusConfig(
            home=WORKDIR / "prometheus",
            port=port_or_free(9490),
            targets={
                "worker": (f"127.0.0.1:{worker_metrics}",),
                "delivery": (f"127.0.0.1:{delivery_metrics}",),
                "receipts": (f"127.0.0.1:{receipts_metrics}",),
                "audit": (f"127.0.0.1:{audit_metrics}",),
            },
            scrape_interval_s=1.0,
            evaluation_interval_s=1.0,
        )
    )
    stoppers.append(prometheus.stop)
    print(f"Prometheus at {prometheus.start()}")
    return Hub(
        worker_metrics=worker_metrics,
        delivery_metrics=delivery_metrics,
        receipts_metrics=receipts_metrics,
        audit_metrics=audit_metrics,
        delivery_group=group,
        prometheus=prometheus,
    )

"""A real Prometheus (Debian's package) scraping every component of the running pipeline.

Besides the session's streams worker and delivery service, this module starts the receipt
tracker, the recall service and the webhook dispatcher on the same task force, each with
its metrics on a free port. Prometheus scrapes all five every second and evaluates
deploy/prometheus/rules.yml every second.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from prometheus_local.server import LocalPrometheus
from schemas.signing import sign_alert
from tests.integration.conftest import (
    Pipeline,
    run_corridor,
    scrape_metric,
    start_corridor,
    wait_for,
)
from tests.integration.monitoring_helpers import (
    hub_services,
    running_prometheus,
    value,
    wait_until_all_up,
)

pytestmark = pytest.mark.integration

TIMEOUT = 90.0  # the first alert also waits for the Faust group to form
JOBS = ("worker", "delivery", "webhooks", "receipts", "recalls")


@pytest.fixture(scope="module")
def components(pipeline: Pipeline) -> Iterator[dict[str, tuple[int, subprocess.Popen[bytes]]]]:
    """The hub services the session's pipeline does not run: job name -> (metrics port, process)."""
    common = ["--config", str(pipeline.config), "--bootstrap", pipeline.bootstrap]
    hub_key = ["--hub-key", str(pipeline.workdir / "hub.key")]
    # The dispatcher needs a member with a webhook: EU-EUROPOL (the file's last agency) gets
    # one where nothing listens, so its deliveries are counted as network errors.
    with_webhook = pipeline.workdir / "monitoring-taskforce.toml"
    with_webhook.write_text(
        pipeline.config.read_text("utf-8")
        + f'\n[agency.webhook]\nurl = "https://127.0.0.1:{free_port()}/hook"\n'
        + "\n[webhooks]\nmax_attempts = 1\n",
        "utf-8",
    )
    commands = {
        "webhooks": [
            "webhooks",
            "run",
            "--config",
            str(with_webhook),
            "--bootstrap",
            pipeline.bootstrap,
            *hub_key,
        ],
        "receipts": ["receipts", "track", *common],
        "recalls": ["recalls", "run", *common, *hub_key],
    }
    logs = pipeline.workdir / "monitoring-logs"
    logs.mkdir(exist_ok=True)
    with hub_services(commands, logs) as started:
        yield started


@pytest.fixture(scope="module")
def prometheus(
    pipeline: Pipeline,
    components: dict[str, tuple[int, subprocess.Popen[bytes]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalPrometheus]:
    ports = {
        "worker": pipeline.worker_metrics_port,
        "delivery": pipeline.delivery_metrics_port,
        **{job: port for job, (port, _) in components.items()},
    }
    home = tmp_path_factory.mktemp("prometheus")
    with running_prometheus({job: ports[job] for job in JOBS}, home) as server:
        yield server


def alerts_named(server: LocalPrometheus, name: str, state: str) -> list[dict[str, Any]]:
    return [a for a in server.alerts() if a["labels"]["alertname"] == name and a["state"] == state]


def publish(pipeline: Pipeline, alert: dict[str, Any]) -> None:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    with AlertPublisher(settings, pipeline.keys["PK-FIA"]) as publisher:
        outcomes = publisher.publish([publisher.sign(alert)])
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]


def test_prometheus_scrapes_the_running_pipeline(
    pipeline: Pipeline, prometheus: LocalPrometheus
) -> None:
    wait_until_all_up(prometheus, JOBS)
    verified = 'sum(corridor_stream_verified_total{agency="PK-FIA"})'
    before = scrape_metric(
        pipeline.worker_metrics_port, "corridor_stream_verified_total", agency="PK-FIA"
    )
    publish(pipeline, sample_datum("PK-FIA", 6000))
    wait_for(
        lambda: (value(prometheus, verified) or 0) > before,
        TIMEOUT,
        "Prometheus to see the worker verify the alert",
    )
    wait_for(
        lambda: (value(prometheus, 'sum(corridor_deliveries_total{agency="GR-HCG"})') or 0) > 0,
        TIMEOUT,
        "Prometheus to see the delivery to GR-HCG",
    )
    # Each component's own metrics are in Prometheus, labelled with its job (the dispatcher's
    # once it tried EU-EUROPOL's webhook).
    expected = {
        "worker": "corridor_stream_verified_total",
        "delivery": "corridor_deliveries_total",
        "webhooks": "corridor_webhook_attempts_total",
        "receipts": "corridor_oldest_unacknowledged_delivery_seconds",
        "recalls": "corridor_recall_alerts_scanned",
    }

    def every_job_reports() -> bool:
        found: dict[str, set[str]] = {job: set() for job in JOBS}
        for series in prometheus.query('group by (job, __name__) ({__name__=~"corridor_.+"})'):
            found[series["metric"]["job"]].add(series["metric"]["__name__"])
        return all(expected[job] in names for job, names in found.items())

    wait_for(every_job_reports, TIMEOUT, "every component's metrics in Prometheus")
    attempts = prometheus.query('corridor_webhook_attempts_total{agency="EU-EUROPOL"}')
    assert {a["metric"]["outcome"] for a in attempts} == {"network_error"}

    # The delivery service's lag, per partition of the alerts topic: zero once it caught up.
    lag = (
        f'sum(corridor_consumer_lag{{job="delivery", group="{pipeline.delivery_group}", '
        f'topic="{pipeline.taskforce.topics.alerts}"}})'
    )
    wait_for(pipeline.delivery_caught_up, 60, "the delivery service to commit")
    wait_for(lambda: value(prometheus, lag) == 0, 30, "the lag gauge to reach 0 in Prometheus")
    partitions = prometheus.query(
        f'corridor_consumer_lag{{topic="{pipeline.taskforce.topics.alerts}"}}'
    )
    consumer = KafkaConsumer(bootstrap_servers=pipeline.bootstrap)
    try:
        expected_partitions = consumer.partitions_for_topic(pipeline.taskforce.topics.alerts)
    finally:
        consumer.close()
    assert {p["metric"]["partition"] for p in partitions} == {str(n) for n in expected_partitions}

    # Every hub service reports its lag; the worker's (its Faust group's) covers its inbound
    # topics, measured from outside the group.
    def jobs_with_lag() -> set[str]:
        return {s["metric"]["job"] for s in prometheus.query("corridor_consumer_lag")}

    wait_for(lambda: jobs_with_lag() >= set(JOBS), 60, "every service's consumer lag")
    worker_lag = prometheus.query('corridor_consumer_lag{job="worker"}')
    assert {s["metric"]["group"] for s in worker_lag} == {
        f"{pipeline.taskforce.topics.prefix}-streams"
    }
    assert pipeline.taskforce.topics.inbound("PK-FIA") in {s["metric"]["topic"] for s in worker_lag}


def test_corridor_status_reads_the_live_pipeline_from_prometheus(
    pipeline: Pipeline, prometheus: LocalPrometheus
) -> None:
    """Runs after the scrape test's alert: every section shows the traffic it caused."""
    wait_until_all_up(prometheus, JOBS)
    wait_for(
        lambda: value(prometheus, "sum(corridor_consumer_lag)") is not None,
        30,
        "a lag gauge in Prometheus",
    )
    # A second alert: a labelled counter appears at its first increment, which rate() does
    # not count, so the rates below need one more after the scrape test's.
    publish(pipeline, sample_datum("PK-FIA", 6002))
    for expr in (
        'sum(rate(corridor_stream_received_total{agency="PK-FIA"}[10m]))',
        'sum(rate(corridor_deliveries_total{agency="GR-HCG"}[10m]))',
    ):
        wait_for(lambda expr=expr: (value(prometheus, expr) or 0) > 0, TIMEOUT, expr)
    args = ["status", "--prometheus", prometheus.url, "--window", "10m"]
    result = run_corridor(*args, "--json")
    status = json.loads(result.stdout)
    # Earlier modules of the session forge records on purpose, so CorridorBadSignatures may
    # fire: status then says so and exits 1.
    firing = sorted(a["name"] for a in status["alerts"] if a["state"] == "firing")
    assert result.returncode == (1 if firing else 0), result.stdout + result.stderr
    assert status["healthy"] is not firing
    assert {(c["job"], c["up"]) for c in status["components"]} == {(j, True) for j in JOBS}
    flows = {f["stage"]: f["per_second"] for f in status["stages"]}
    assert flows["received"] > 0 and flows["verified"] > 0 and flows["delivered"] > 0
    agencies = {a["agency"]: a for a in status["agencies"]}
    assert agencies["PK-FIA"]["sent_per_s"] > 0
    assert agencies["GR-HCG"]["delivered_per_s"] > 0
    assert pipeline.delivery_group in {row["group"] for row in status["lag"]}
    assert status["inbox_latency_p50_s"] > 0

    text = run_corridor(*args, "--once")
    assert text.returncode == result.returncode, text.stdout + text.stderr
    health = text.stdout.splitlines()[1]
    if firing:
        assert health == f"Health: ATTENTION: {len(firing)} alert(s) firing", health
    else:
        assert health == "Health: OK: all 5 components up, no alert firing", health
    received = next(line for line in text.stdout.splitlines() if line.startswith("  received"))
    assert received.split()[1] not in ("-", "0"), received


def test_corridor_status_live_mode_redraws_until_stopped(
    pipeline: Pipeline, prometheus: LocalPrometheus
) -> None:
    out = pipeline.workdir / "status-live.txt"
    with out.open("wb") as stdout:
        process = start_corridor(
            ["status", "--prometheus", prometheus.url, "--interval", "0.5"],
            pipeline.workdir / "status-live.log",
            stdout=stdout,
        )
        try:
            wait_for(
                lambda: out.read_text("utf-8").count("CORRIDOR STATUS") >= 3,
                30,
                "three overviews from the live mode",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=30)
            finally:  # one hang fails this test, not the next one's leak check
                if process.poll() is None:
                    process.kill()
                    process.wait()
    assert code == 0
    text = out.read_text("utf-8")
    assert "\x1b[2J" not in text  # not a terminal: appended, no screen clearing
    assert "NOT REFRESHED" not in text


def test_alert_rules_evaluate_against_the_live_pipeline(
    pipeline: Pipeline,
    components: dict[str, tuple[int, subprocess.Popen[bytes]]],
    prometheus: LocalPrometheus,
) -> None:
    def all_rules_evaluated() -> bool:
        rules = [r for g in prometheus.rule_groups() for r in g["rules"]]
        bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        return len(rules) >= 9 and not bad

    wait_for(all_rules_evaluated, 30, "every rule to evaluate without error")
    names = {g["name"] for g in prometheus.rule_groups()}
    assert names == {"corridor-recording", "corridor-pipeline"}

    # No component is down; then the webhook dispatcher stops: pending for a minute.
    wait_until_all_up(prometheus, JOBS)
    wait_for(
        lambda: (
            not any(
                a["labels"]["alertname"] == "CorridorComponentDown" for a in prometheus.alerts()
            )
        ),
        30,
        "no CorridorComponentDown while every component is up",
    )
    stop_process(components["webhooks"][1], "webhook dispatcher")
    down = wait_for(
        lambda: alerts_named(prometheus, "CorridorComponentDown", "pending"),
        30,
        "CorridorComponentDown for the stopped dispatcher",
    )
    assert {a["labels"]["job"] for a in down} == {"webhooks"}

    # A record whose signature does not verify raises CorridorBadSignatures at once.
    topics = pipeline.taskforce.topics
    tampered = sign_alert(sample_datum("PK-FIA", 6001), pipeline.keys["PK-FIA"], topics)
    value_bytes = bytearray(tampered.value)
    value_bytes[-70] ^= 0x40
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    try:
        producer.send(
            topics.inbound("PK-FIA"),
            key=tampered.key,
            value=bytes(value_bytes),
            headers=tampered.headers,
        ).get(30)
    finally:
        producer.close()
    firing = wait_for(
        lambda: alerts_named(prometheus, "CorridorBadSignatures", "firing"),
        TIMEOUT,
        "CorridorBadSignatures to fire",
    )
    assert firing[0]["labels"]["stage"] == "verify"
    assert float(firing[0]["value"]) >= 1


def test_corridor_status_names_a_stopped_component_and_the_firing_alert(
    prometheus: LocalPrometheus,
) -> None:
    """After the rules test stopped the dispatcher and a bad signature fired an alert."""
    wait_for(
        lambda: alerts_named(prometheus, "CorridorBadSignatures", "firing"),
        TIMEOUT,
        "CorridorBadSignatures to fire",
    )
    result = run_corridor("status", "--prometheus", prometheus.url, "--once")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "1 component(s) down (webhooks)" in lines[1]
    assert any(line.split()[:1] == ["webhooks"] and line.endswith("DOWN") for line in lines)
    assert any("FIRING" in line and "CorridorBadSignatures" in line for line in lines)
    assert any("verify" in line and "bad_signature" in line for line in lines)


def test_corridor_status_without_prometheus_exits_3_with_the_fix() -> None:
    result = run_corridor("status", "--prometheus", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 3
    assert "cannot reach Prometheus" in result.stderr and "make monitor" in result.stderr
    assert "Traceback" not in result.stderr

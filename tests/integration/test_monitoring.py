"""A real Prometheus (Debian's package) scraping the running pipeline, with the alert rules.

Prometheus scrapes the streams worker and the delivery service of the session's pipeline
every second and evaluates deploy/prometheus/rules.yml every second; a third job points at
a port nothing listens on, as a component that is down.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaProducer

import local_kafka
from local_prometheus import LocalPrometheus, PrometheusConfig, PrometheusToolError
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas.signing import sign_alert
from tests.integration.conftest import Pipeline, scrape_metric, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 90.0  # the first alert also waits for the Faust group to form


@pytest.fixture(scope="module")
def prometheus(
    pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalPrometheus]:
    config = PrometheusConfig(
        home=tmp_path_factory.mktemp("prometheus"),
        port=local_kafka.free_port(),
        targets={
            "worker": (f"127.0.0.1:{pipeline.worker_metrics_port}",),
            "delivery": (f"127.0.0.1:{pipeline.delivery_metrics_port}",),
            "recalls": (f"127.0.0.1:{local_kafka.free_port()}",),  # nothing listens there
        },
        scrape_interval_s=1.0,
        evaluation_interval_s=1.0,
    )
    server = LocalPrometheus(config)
    try:
        server.start(timeout=60.0)
    except PrometheusToolError as exc:
        server.stop()
        pytest.fail(f"could not start Prometheus: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def value(server: LocalPrometheus, expr: str) -> float | None:
    """The value of a one-element instant vector, None when it is empty."""
    result = server.query(expr)
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else None


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
    for job in ("worker", "delivery"):
        wait_for(
            lambda job=job: value(prometheus, f'up{{job="{job}"}}') == 1,
            30,
            f"Prometheus to scrape the {job}",
        )
    assert value(prometheus, 'up{job="recalls"}') == 0

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
    assert {p["metric"]["partition"] for p in partitions} == {"0", "1", "2"}


def test_alert_rules_evaluate_against_the_live_pipeline(
    pipeline: Pipeline, prometheus: LocalPrometheus
) -> None:
    def all_rules_evaluated() -> bool:
        rules = [r for g in prometheus.rule_groups() for r in g["rules"]]
        bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        return len(rules) >= 9 and not bad

    wait_for(all_rules_evaluated, 30, "every rule to evaluate without error")
    names = {g["name"] for g in prometheus.rule_groups()}
    assert names == {"corridor-recording", "corridor-pipeline"}

    # The job nothing answers for is down: pending for a minute before it fires.
    down = wait_for(
        lambda: (
            alerts_named(prometheus, "CorridorComponentDown", "pending")
            or alerts_named(prometheus, "CorridorComponentDown", "firing")
        ),
        30,
        "CorridorComponentDown for the job that is down",
    )
    assert {a["labels"]["job"] for a in down} == {"recalls"}

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

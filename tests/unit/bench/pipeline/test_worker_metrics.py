"""The workers' batch histograms, read from their exposition text as the bench reads them."""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, generate_latest

from bench.pipeline import worker_metrics
from monitoring.gc_pauses import GcPauses
from streams.metrics import StreamMetrics


def _exposition(observe: list[tuple[str, int, float, float]]) -> str:
    registry = CollectorRegistry()
    metrics = StreamMetrics.create(registry)
    for stage, records, decide_s, send_s in observe:
        metrics.stage_batch_records.labels(stage).observe(records)
        metrics.stage_batch_seconds.labels(stage, "decide").observe(decide_s)
        metrics.stage_batch_seconds.labels(stage, "send").observe(send_s)
    return generate_latest(registry).decode("utf-8")


def test_a_runs_batches_are_the_difference_of_two_readings() -> None:
    warm_up = [("verify", 1, 0.002, 0.004)]
    run = [("verify", 100, 0.04, 0.008)] * 9 + [
        ("verify", 500, 0.2, 0.02),
        ("dedupe", 10, 0.001, 0.3),
    ]
    before = worker_metrics.parse(_exposition(warm_up))
    after = worker_metrics.parse(_exposition(warm_up + run))
    verify, dedupe = worker_metrics.stage_batches(worker_metrics.difference(after, before))
    assert (verify.stage, verify.batches, verify.records_mean) == ("verify", 10, 140.0)
    assert verify.decide_p50_s == 0.05  # the bucket holding 0.04
    assert verify.decide_p99_s == 0.25  # the bucket holding 0.2
    assert math.isclose(verify.decide_total_s, 9 * 0.04 + 0.2)
    assert (dedupe.stage, dedupe.batches, dedupe.send_p50_s) == ("dedupe", 1, 0.5)
    assert len(worker_metrics.lines([verify, dedupe])) == 2


def test_no_batches_no_figures() -> None:
    assert worker_metrics.stage_batches(worker_metrics.parse(_exposition([]))) == []
    assert math.isnan(worker_metrics.quantile([], 0.5))


def test_gc_pauses_are_summed_per_generation() -> None:
    registry = CollectorRegistry()
    pauses = GcPauses(registry)
    pauses.histogram.labels("2").observe(0.03)
    pauses.histogram.labels("2").observe(0.2)
    pauses.histogram.labels("0").observe(0.0002)
    line = worker_metrics.gc_line(worker_metrics.parse(generate_latest(registry).decode()))
    assert line is not None
    assert "generation 2: 2 (0.23 s, longest <= 250 ms)" in line
    assert "generation 0: 1" in line
    assert worker_metrics.gc_line({}) is None


def test_frozen_objects_are_reported_per_alert_held() -> None:
    registry = CollectorRegistry()
    metrics = StreamMetrics.create(registry)
    GcPauses(registry).histogram.labels("2").observe(0.01)
    metrics.correlation_state.labels("alerts").set(1000)
    now = worker_metrics.parse(generate_latest(registry).decode())
    frozen = now[(worker_metrics.FROZEN, "", "", "value")]
    line = worker_metrics.gc_line(now, now)
    assert line is not None and f"{frozen / 1000:,.0f} per alert held" in line

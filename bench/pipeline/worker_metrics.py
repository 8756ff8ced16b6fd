"""What each stage of the streams workers did with its batches, from the workers' own metrics.

The record timestamps on each topic (:func:`bench.pipeline.hub_runs.stage_latencies`) say
how long records waited between topics; the workers' ``corridor_stream_stage_batch_*``
histograms say why: how large each stage's batches were, and how long a batch took to
decide (the stage's own work) and to send (awaiting every acknowledgement). Each worker's
``/metrics`` is read after the warm-up and again after the run; the difference is the
run's.
"""

from __future__ import annotations

import math
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

SECONDS = "corridor_stream_stage_batch_seconds"
RECORDS = "corridor_stream_stage_batch_records"
GC = "corridor_gc_pause_seconds"
FROZEN = "corridor_gc_frozen_objects"
STATE = "corridor_stream_correlation_state"
#: (metric, stage, phase or "", le) -> cumulative count, and (metric, stage, phase, "sum"|"count").
Samples = dict[tuple[str, str, str, str], float]
NOT_BUCKETS = ("sum", "count", "created")


def scrape(ports: Sequence[int], timeout_s: float = 5.0) -> Samples:
    """The batch histograms of the workers listening on ``ports``, summed over workers."""
    samples: Samples = defaultdict(float)
    for port in ports:
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            text = response.read().decode("utf-8")
        for key, value in parse(text).items():
            samples[key] += value
    return dict(samples)


def parse(text: str) -> Samples:
    """The batch histograms' samples of one exposition ``text``."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        if family.name not in (SECONDS, RECORDS, GC, FROZEN, STATE):
            continue
        for sample in family.samples:
            suffix = sample.name[len(family.name) :].lstrip("_")
            labels = sample.labels
            where = labels.get("le", suffix or "value")
            stage = labels.get("stage", labels.get("generation", labels.get("item", "")))
            key = (family.name, stage, labels.get("phase", ""), where)
            samples[key] = sample.value
    return samples


def difference(after: Mapping[tuple[str, str, str, str], float], before: Samples) -> Samples:
    """``after`` minus ``before``, sample by sample (all are cumulative counts or sums)."""
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


@dataclass(frozen=True)
class StageBatches:
    """One stage's batches in a run."""

    stage: str
    batches: int
    records_mean: float
    decide_p50_s: float
    decide_p99_s: float
    send_p50_s: float
    send_p99_s: float
    decide_total_s: float
    send_total_s: float


def _buckets(
    samples: Samples, metric: str, label: str, phase: str = ""
) -> list[tuple[float, float]]:
    """The cumulative ``(le, count)`` buckets of one histogram series of ``samples``."""
    return [
        (math.inf if where == "+Inf" else float(where), value)
        for (name, series, series_phase, where), value in samples.items()
        if (name, series, series_phase) == (metric, label, phase) and where not in NOT_BUCKETS
    ]


def quantile(buckets: Iterable[tuple[float, float]], q: float) -> float:
    """The upper bound of the bucket holding quantile ``q`` of cumulative ``buckets``
    ``(le, count)`` (an over-estimate by at most one bucket; NaN when empty)."""
    ordered = sorted(buckets)
    if not ordered or ordered[-1][1] <= 0:
        return math.nan
    rank = q * ordered[-1][1]
    return next(le for le, count in ordered if count >= rank)


def stage_batches(samples: Samples) -> list[StageBatches]:
    """Per stage, from a run's samples (stages in the pipeline's order first)."""
    stages = sorted(
        {stage for (metric, stage, _, _) in samples if metric == RECORDS},
        key=lambda s: ["verify", "dedupe", "correlate", s].index(s),
    )

    figures = []
    for stage in stages:
        count = samples.get((RECORDS, stage, "", "count"), 0.0)
        if count <= 0:
            continue
        decide = _buckets(samples, SECONDS, stage, "decide")
        send = _buckets(samples, SECONDS, stage, "send")
        figures.append(
            StageBatches(
                stage=stage,
                batches=int(count),
                records_mean=samples.get((RECORDS, stage, "", "sum"), 0.0) / count,
                decide_p50_s=quantile(decide, 0.5),
                decide_p99_s=quantile(decide, 0.99),
                send_p50_s=quantile(send, 0.5),
                send_p99_s=quantile(send, 0.99),
                decide_total_s=samples.get((SECONDS, stage, "decide", "sum"), 0.0),
                send_total_s=samples.get((SECONDS, stage, "send", "sum"), 0.0),
            )
        )
    return figures


def lines(figures: Sequence[StageBatches]) -> list[str]:
    """One line per stage for the report."""
    return [
        f"{f.stage:<10} {f.batches:>6} batches of {f.records_mean:6.1f} records; decide p50/p99 "
        f"<= {f.decide_p50_s * 1000:,.0f}/{f.decide_p99_s * 1000:,.0f} ms (total "
        f"{f.decide_total_s:.1f} s), send p50/p99 <= {f.send_p50_s * 1000:,.0f}/"
        f"{f.send_p99_s * 1000:,.0f} ms (total {f.send_total_s:.1f} s)"
        for f in figures
    ]


def gc_line(samples: Samples, now: Samples | None = None) -> str | None:
    """The workers' garbage-collection pauses in the run (None without any); with the
    workers' readings ``now``, also the objects frozen per alert the correlator holds (a
    figure that grows from run to run would mean frozen objects that are never freed)."""
    generations = sorted({g for (metric, g, _, _) in samples if metric == GC})
    parts = []
    for generation in generations:
        count = samples.get((GC, generation, "", "count"), 0.0)
        if count <= 0:
            continue
        buckets = _buckets(samples, GC, generation)
        total = samples.get((GC, generation, "", "sum"), 0.0)
        worst = quantile(buckets, 1.0)
        parts.append(
            f"generation {generation}: {int(count)} ({total:.2f} s, "
            f"longest <= {worst * 1000:,.0f} ms)"
        )
    if not parts:
        return None
    line = "GC pauses of the workers: " + "; ".join(parts)
    frozen = (now or {}).get((FROZEN, "", "", "value"))
    held = (now or {}).get((STATE, "alerts", "", "value"))
    if frozen is not None and held:
        line += f"; {frozen:,.0f} objects frozen, {frozen / held:,.0f} per alert held"
    return line

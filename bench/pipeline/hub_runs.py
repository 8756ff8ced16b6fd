"""Alerts through the real hub: publish -> streams worker(s) -> delivery -> one inbox.

Each run starts its own hub processes on a fresh deployment (so no run inherits
another's correlation state), warms them up until alerts reach the inbox and every
consumer group is stable, then either publishes N alerts at once (*burst*) or offers
them at a fixed rate paced on a monotonic clock (*steady*), and counts them on ONE
recipient's inbox with a consumer assigned before publishing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kafka.admin import KafkaAdminClient

from bench.pipeline import worker_metrics
from bench.pipeline.cpu import MACHINE, CpuProbe, Profiler, jit_cpu_seconds
from bench.pipeline.kafka_io import Collector, TimedPublisher, read_topic, topic_timestamps
from bench.pipeline.results import RunResult
from kafka_local.config import free_port
from producers.publisher import PublishOutcome
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.signing import SignedRecord
from schemas.taskforce import load_taskforce
from schemas.topics import TopicNames
from streams.admin import create_topics
from streams.topology import pipeline_topics
from throwaway_deployment import (
    Deployment,
    alive_check,
    delivery_args,
    running,
    start_corridor,
    streams_worker_args,
)

log = logging.getLogger("bench")

PARTITIONS = 3
"""Partitions of the pipeline's topics (correlation keeps its one)."""
WARMUP_DEADLINE_S = 180.0
GROUP_DEADLINE_S = 120.0


@dataclass(frozen=True)
class Load:
    """What a run offers the hub."""

    mode: str
    """``burst`` (all at once) or ``steady`` (paced)."""
    rate: float = math.nan
    """Offered alerts per second (steady)."""


@dataclass
class HubExtras:
    """Figures only a hub run has."""

    warmup_s: float = math.nan
    """Seconds from the first warm-up publish until the hub was ready."""
    broker_latencies_ms: list[float] = field(default_factory=list)
    """Inbox record timestamp minus envelope produced_at."""
    stages_ms: dict[str, list[float]] = field(default_factory=dict)
    """Per-stage latencies from each topic's record timestamps."""
    incident_versions: int = 0
    """Incident versions the hub published during the run (warm-up included)."""
    incident_members_mean: float = math.nan
    """Mean members per published incident version."""
    incident_bytes_mean: float = math.nan
    """Mean size of a published incident version."""
    profiles: list[Path] = field(default_factory=list)
    """py-spy files written for this run."""
    reached: dict[str, int] = field(default_factory=dict)
    """How many measured alerts reached each topic (where missing alerts stopped)."""
    stage_batches: list[worker_metrics.StageBatches] = field(default_factory=list)
    """Each stage's batches in the timed window, from the workers' own metrics."""
    gc_pauses: str | None = None
    """The workers' garbage-collection pauses in the timed window."""
    broker_jit_s: float = math.nan
    """CPU seconds of the broker JVM's JIT compiler threads in the timed window (part of
    the broker's CPU: a freshly started broker compiles its hot paths under the load)."""


STALL_S = 120.0
"""A run gives up waiting when no measured alert arrived for this long."""


def _group_ready(admin: KafkaAdminClient, group: str, members: int) -> bool:
    """True when ``group`` is Stable with ``members`` members."""
    try:
        described = admin.describe_groups([group])[group]
    except Exception:  # coordinator not known yet, group not created yet
        return False
    state = described.get("group_state") or described.get("state")
    return state == "Stable" and len(described.get("members") or ()) == members


def wait_groups(bootstrap: str, groups: dict[str, int], alive: Callable[[], None]) -> None:
    """Wait until every group is Stable with its number of members (a rebalance is over)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="bench-groups")
    try:
        deadline = time.monotonic() + GROUP_DEADLINE_S
        while not all(_group_ready(admin, g, n) for g, n in groups.items()):
            alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"consumer groups not stable after {GROUP_DEADLINE_S:.0f}s")
            time.sleep(0.5)  # polling an external state with a deadline
    finally:
        admin.close()


def publish_paced(
    publisher: TimedPublisher, records: Sequence[SignedRecord], per_second: float
) -> list[PublishOutcome]:
    """Offer ``records`` at ``per_second``: record i is due i/rate seconds after the start.

    Paced on the monotonic clock: whatever is due is published (and acknowledged) at
    once, so a slow acknowledgement is caught up by the next call rather than lost.
    """
    outcomes: list[PublishOutcome] = []
    start = time.monotonic()
    sent = 0
    while sent < len(records):
        due = min(len(records), math.floor((time.monotonic() - start) * per_second) + 1)
        if due > sent:
            outcomes.extend(publisher.publish(records[sent:due]))
            sent = due
            continue
        pause = start + sent / per_second - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return outcomes


def _offer(
    publisher: TimedPublisher, records: Sequence[SignedRecord], load: Load
) -> list[PublishOutcome]:
    """Publish ``records`` all at once (burst) or paced at the load's rate (steady)."""
    if load.mode == "burst":
        return publisher.publish(records)
    return publish_paced(publisher, records, load.rate)


def _incident_figures(bootstrap: str, topics: TopicNames, extras: HubExtras) -> None:
    values = [value for _, _, value in read_topic(bootstrap, topics.incidents)]
    extras.incident_versions = len(values)
    if not values:
        return
    members = [len(decode_single_object(open_envelope(v).payload)[1]["members"]) for v in values]
    extras.incident_members_mean = sum(members) / len(members)
    extras.incident_bytes_mean = sum(len(v) for v in values) / len(values)


def stage_latencies(
    bootstrap: str, topics: TopicNames, result: RunResult, reached: dict[str, int]
) -> dict[str, list[float]]:
    """Where the pipeline's latency goes, from the record timestamps of each hop.

    Each timestamp is the CreateTime the writing process gave the record (its send time).
    ``reached`` gets how many measured alerts each topic holds.
    """
    verified = topic_timestamps(bootstrap, topics.verified)
    alerts = topic_timestamps(bootstrap, topics.alerts)
    reached["verified"] = len(verified.keys() & result.sends_ms.keys())
    reached["alerts"] = len(alerts.keys() & result.sends_ms.keys())
    reached["inbox"] = result.received
    stages: dict[str, list[float]] = {
        "publish -> verified (verify)": [],
        "verified -> alerts (dedupe)": [],
        "alerts -> inbox (delivery)": [],
        "inbox -> bench consumer": [],
    }
    spans = list(stages.values())
    for key, sent in result.sends_ms.items():
        arrival = result.arrivals.get(key)
        if arrival is None or key not in verified or key not in alerts:
            continue
        marks = [sent, verified[key], alerts[key], arrival.timestamp_ms, arrival.received_ms]
        for span, start, end in zip(spans, marks, marks[1:], strict=False):
            span.append(end - start)
    return stages


def produced_at_ms(value: bytes) -> float:
    """The envelope's ``produced_at`` in epoch milliseconds."""
    produced_at: dt.datetime = open_envelope(value).header.produced_at
    return produced_at.timestamp() * 1000.0


def run_hub(
    name: str,
    bootstrap: str,
    broker_pids: tuple[int, ...],
    deployment: Deployment,
    warm: Sequence[SignedRecord],
    records: Sequence[SignedRecord],
    load: Load,
    workers: int,
    profiler: Profiler | None,
    worker_options: Sequence[str] = (),
) -> tuple[RunResult, HubExtras]:
    """One run through fresh hub processes; ``warm`` records go first, unmeasured."""
    taskforce = load_taskforce(deployment.config)
    create_topics(bootstrap, pipeline_topics(taskforce, PARTITIONS), taskforce.replication)
    logs = deployment.directory
    metrics_ports = [free_port() for _ in range(workers)]
    services = [
        start_corridor(
            f"worker-{i}",
            streams_worker_args(
                deployment, bootstrap, i, [*worker_options, "--metrics-port", str(port)]
            ),
            logs,
        )
        for i, port in enumerate(metrics_ports, start=1)
    ]
    services.append(start_corridor("delivery", delivery_args(deployment, bootstrap), logs))
    extras = HubExtras()
    result = RunResult(name, len(records))
    inbox = deployment.topics.inbox(deployment.recipients[0])
    with running(*services):
        alive = alive_check(*services)
        collector = Collector(bootstrap, inbox)
        publisher = TimedPublisher(bootstrap, deployment.topics, result.sends_ms)
        try:
            started = time.monotonic()
            warm_keys = {r.key for r in warm}
            publisher.publish(warm)
            if not collector.wait_for(warm_keys, started + WARMUP_DEADLINE_S, alive):
                alive()
                raise RuntimeError(f"{name}: warm-up alerts did not arrive in time")
            wait_groups(
                bootstrap,
                {f"{deployment.prefix}-streams": workers, f"{deployment.prefix}-delivery": 1},
                alive,
            )
            extras.warmup_s = time.monotonic() - started
            result.sends_ms.clear()
            pids: dict[str, int | tuple[int, ...] | None] = {s.name: s.pid for s in services}
            probe = CpuProbe({**pids, "broker": broker_pids, "bench": os.getpid()})
            if profiler is not None:
                profiler.start(name.replace(" ", "-"), {s.name: s.pid for s in services})
            try:
                batches_before = worker_metrics.scrape(metrics_ports)
                before, measuring_since = probe.sample(), time.monotonic()
                jit_before = jit_cpu_seconds(broker_pids)
                outcomes = _offer(publisher, records, load)
                keys = {r.key for r in records}
                if not collector.wait_while_progressing(keys, STALL_S, alive):
                    log.warning(
                        "%s: only %d of %d alerts arrived (none for %.0f s)",
                        name,
                        collector.count(keys),
                        len(keys),
                        STALL_S,
                    )
                after, measured_s = probe.sample(), time.monotonic() - measuring_since
                batches_after = worker_metrics.scrape(metrics_ports)
                run_samples = worker_metrics.difference(batches_after, batches_before)
                extras.stage_batches = worker_metrics.stage_batches(run_samples)
                extras.gc_pauses = worker_metrics.gc_line(run_samples, batches_after)
                jit_after = jit_cpu_seconds(broker_pids)
                if jit_before is not None and jit_after is not None:
                    extras.broker_jit_s = jit_after - jit_before
            finally:
                if profiler is not None:
                    profiler.stop()
                    extras.profiles = list(profiler.written)
                    profiler.written.clear()
            result.set_cpu(CpuProbe.used(before, after), MACHINE, measured_s)
            result.failed_sends = sum(not o.ok for o in outcomes)
            result.arrivals = collector.snapshot()
        finally:
            publisher.close()
            collector.close()
    result.close_window()
    extras.broker_latencies_ms = [
        result.arrivals[k].timestamp_ms - produced_at_ms(result.arrivals[k].value)
        for k in result.sends_ms
        if k in result.arrivals
    ]
    extras.stages_ms = stage_latencies(bootstrap, deployment.topics, result, extras.reached)
    _incident_figures(bootstrap, deployment.topics, extras)
    return result, extras

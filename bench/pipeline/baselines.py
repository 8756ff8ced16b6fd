"""What the same records cost with nothing of Corridor in the way: bare Kafka, bare Faust.

* bare kafka: one kafka-python producer sends the batch (acks=all, idempotent, as
  ``AlertPublisher``), one consumer reads it back from a fresh topic.
* bare faust: the same, through one Faust hop (``bench/faust_passthrough.py``) from a
  topic X to a topic Y, once awaiting every acknowledgement per event, once per batch.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.pipeline.cpu import MACHINE, CpuProbe
from bench.pipeline.kafka_io import Collector, create_plain_topics, produce_records
from bench.pipeline.results import RunResult
from kafka_local.config import free_port
from schemas.replication import Replication
from schemas.signing import SignedRecord
from throwaway_deployment import REPO_ROOT, alive_check, running, start_service

log = logging.getLogger("bench")

PARTITIONS = 3
WARMUP_DEADLINE_S = 120.0
STALL_S = 60.0
"""A baseline gives up waiting when no record arrived for this long."""
FAUST_ACKS = ("per-event", "batched")
"""The bare Faust hops measured, by how they await acknowledgements."""


def warm_records(records: Sequence[SignedRecord], tag: bytes) -> list[SignedRecord]:
    """A few copies of ``records`` under keys that cannot clash with the measured ones."""
    return [
        SignedRecord(r.topic, tag + r.key, r.value, r.headers, r.header, r.alert_id, r.revision)
        for r in records[:3]
    ]


def _timed_round_trip(
    name: str,
    bootstrap: str,
    source: str,
    sink: str,
    records: Sequence[SignedRecord],
    pids: dict[str, int | tuple[int, ...] | None],
    alive: Callable[[], None],
) -> RunResult:
    """Warm up, then produce ``records`` to ``source`` and wait for them on ``sink``."""
    collector = Collector(bootstrap, sink)
    try:
        warm = warm_records(records, b"warm:")
        produce_records(bootstrap, source, warm, {})
        deadline = time.monotonic() + WARMUP_DEADLINE_S
        if not collector.wait_for({r.key for r in warm}, deadline, alive):
            alive()
            raise RuntimeError(f"{name}: warm-up records did not arrive in {WARMUP_DEADLINE_S}s")
        result = RunResult(name, len(records))
        probe = CpuProbe({**pids, "bench": os.getpid()})
        before, measuring_since = probe.sample(), time.monotonic()
        result.failed_sends = produce_records(bootstrap, source, records, result.sends_ms)
        keys = set(result.sends_ms)
        if not collector.wait_while_progressing(keys, STALL_S, alive):
            log.warning("%s: only %d of %d arrived", name, collector.count(keys), len(keys))
        after, measured_s = probe.sample(), time.monotonic() - measuring_since
        result.set_cpu(CpuProbe.used(before, after), MACHINE, measured_s)
        result.arrivals = collector.snapshot()
    finally:
        collector.close()
    result.close_window()
    return result


def measure_bare_kafka(
    bootstrap: str,
    prefix: str,
    records: Sequence[SignedRecord],
    broker_pids: tuple[int, ...],
    replication: Replication,
) -> RunResult:
    """kafka-python producer -> one topic -> kafka-python consumer, one batch."""
    topic = f"{prefix}.bare-kafka"
    create_plain_topics(bootstrap, [topic], PARTITIONS, replication)
    return _timed_round_trip(
        "bare kafka", bootstrap, topic, topic, records, {"broker": broker_pids}, lambda: None
    )


def measure_bare_faust(
    bootstrap: str,
    prefix: str,
    records: Sequence[SignedRecord],
    work_dir: Path,
    broker_pids: tuple[int, ...],
    replication: Replication,
    acks: str,
) -> RunResult:
    """kafka-python -> X -> Faust pass-through agent (``acks`` mode) -> Y -> kafka-python."""
    tag = acks.replace("-", "")
    source, sink = f"{prefix}.faust-{tag}-x", f"{prefix}.faust-{tag}-y"
    create_plain_topics(bootstrap, [source, sink], PARTITIONS, replication)
    argv = [
        str(REPO_ROOT / "bench" / "faust_passthrough.py"),
        "--bootstrap",
        bootstrap,
        "--source",
        source,
        "--sink",
        sink,
        "--app-id",
        f"{prefix}-passthrough-{tag}",
        "--web-port",
        str(free_port()),
        "--data-dir",
        str(work_dir / f"passthrough-{tag}"),
        "--acks",
        acks,
        "--partitions",
        str(PARTITIONS),
    ]
    worker = start_service(f"faust-{tag}", argv, work_dir)
    with running(worker):
        return _timed_round_trip(
            f"bare faust {acks}",
            bootstrap,
            source,
            sink,
            records,
            {"faust worker": worker.pid, "broker": broker_pids},
            alive_check(worker),
        )

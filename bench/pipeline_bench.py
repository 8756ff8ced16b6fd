"""Throughput and latency of the Corridor pipeline against bare Kafka and bare Faust.

Usage (``make bench BENCH_ARGS="--alerts 2000 --json"``)::

    python bench/pipeline_bench.py [--alerts N] [--bootstrap HOST:PORT] [--agencies P]
                                   [--recipients R] [--json]

Without ``--bootstrap`` (or ``KAFKA_BOOTSTRAP``) the bench starts its own single-node broker
on free ports in a temporary directory (``deploy/local_kafka.py``) and stops it at the end.
Every run uses its own topic prefix (``bench-<uuid8>``), task-force file and trust store.

Measurements, in order:

1. In-process rates of the per-alert work: ``sign_alert``, ``verify_alert``, the Avro
   ``decode_single_object`` inside it and the bare Ed25519 signature check.
2. Full pipeline: the Faust worker (``corridor streams worker``) and the delivery service
   (``corridor delivery``) run as subprocesses. After a warm-up (alerts reach an inbox, so
   every consumer group is assigned) N alerts are signed, published with ``AlertPublisher``
   (acks=all) and counted on ONE recipient's inbox by a consumer assigned before publishing.
3. Baseline A: the same N (key, value, headers) produced with kafka-python (acks=all,
   idempotent) to a fresh topic and consumed back.
4. Baseline B: the same records through a bare Faust pass-through agent
   (``bench/faust_passthrough.py``): topic X -> agent -> topic Y.

Latency is "consumer receive time minus producer send time" for all three, on the bench's
clock (the send time is taken when ``KafkaProducer.send`` is called). For the pipeline the
brief's broker-side figure is printed too: inbox record timestamp minus the envelope's
``produced_at`` (which includes the time an alert waited between signing and sending).
Throughput is N divided by the time from the first send to the last arrival. CPU time of
each process during the timed window (from /proc) names the bottleneck.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

# `make bench` runs this file as a script: make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "deploy"))

import local_kafka
from processes import stop_process
from producers.publisher import AlertPublisher, PublishOutcome
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.keys import generate_private_key, write_private_key
from schemas.signing import SignedRecord, sign_alert
from schemas.taskforce import DEFAULT_HUB_ID, load_taskforce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, save_trust_store
from schemas.verification import verify_alert
from streams.admin import create_topics
from streams.topology import pipeline_topics

REPO_ROOT = Path(__file__).resolve().parent.parent
PARTITIONS = 3
WARMUP_DEADLINE_S = 120.0
STOP_TIMEOUT_S = 20.0
MICRO_ALERTS = 1000
WARMUP_SEQ = 900_000
"""Warm-up alerts use sequence numbers from here, so their keys never clash."""

log = logging.getLogger("bench")


# --------------------------------------------------------------------------- small helpers


def now_ms() -> float:
    """Wall-clock milliseconds (the clock Kafka record timestamps use)."""
    return time.time() * 1000.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (``q`` in 0..1); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def cpu_seconds(pid: int | None) -> float | None:
    """User+system CPU seconds of process ``pid`` (all threads), from /proc; None if unknown."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # Fields after "pid (comm)": state is field 3, utime field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(count: int, seconds: float) -> float:
    """``count / seconds``, NaN for an empty interval."""
    return count / seconds if seconds > 0 else math.nan


# --------------------------------------------------------------------------- results


@dataclass
class RunResult:
    """One end-to-end measurement: what was sent when, and what arrived when."""

    name: str
    expected: int
    sends_ms: dict[bytes, float]
    arrivals: dict[bytes, Arrival]
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds used by each process during the timed window."""
    window_s: float = math.nan
    """Wall-clock seconds of the timed window (first send to last arrival)."""

    @property
    def received(self) -> int:
        """Measured records that arrived."""
        return sum(1 for key in self.sends_ms if key in self.arrivals)

    def latencies_ms(self) -> list[float]:
        """Receive time minus send time of every measured record that arrived."""
        return [
            self.arrivals[key].received_ms - sent
            for key, sent in self.sends_ms.items()
            if key in self.arrivals
        ]

    @property
    def throughput(self) -> float:
        """Records per second from the first send to the last arrival."""
        return rate(self.received, self.window_s)

    def summary(self) -> dict[str, float | int]:
        """Figures for the table and the JSON line."""
        lat = self.latencies_ms()
        return {
            "sent": len(self.sends_ms),
            "received": self.received,
            "throughput_per_s": round(self.throughput, 1),
            "p50_ms": round(percentile(lat, 0.50), 1),
            "p99_ms": round(percentile(lat, 0.99), 1),
            "max_ms": round(max(lat, default=math.nan), 1),
            "window_s": round(self.window_s, 3),
        }


@dataclass(frozen=True)
class Arrival:
    """A record seen by the bench's consumer."""

    received_ms: float
    """Bench clock when ``poll`` returned it."""
    timestamp_ms: int
    """The record's own timestamp (CreateTime set by whoever produced it)."""
    value: bytes


@dataclass(frozen=True)
class MicroRates:
    """In-process rates (per second) of the per-alert work, over the same alerts."""

    alerts: int
    sign: float
    verify: float
    decode: float
    signature: float

    def as_dict(self) -> dict[str, float | int]:
        """For the JSON line."""
        return {
            "alerts": self.alerts,
            "sign_per_s": round(self.sign, 1),
            "verify_per_s": round(self.verify, 1),
            "decode_per_s": round(self.decode, 1),
            "signature_check_per_s": round(self.signature, 1),
        }


# --------------------------------------------------------------------------- Kafka clients


class Collector:
    """A consumer thread on one topic, assigned (at the end) before anything is produced.

    Records every arrival by key; :meth:`wait_for` blocks on a condition, not on sleeps.
    """

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.arrivals: dict[bytes, Arrival] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            client_id="bench-collector",
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
            max_poll_records=1000,
        )
        partitions = self._wait_partitions(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(tps)
        self._consumer.seek_to_end(*tps)
        for tp in tps:  # resolve the lazy seek now: only later records count
            self._consumer.position(tp)
        self._thread = threading.Thread(target=self._run, name=f"collect-{topic}", daemon=True)
        self._thread.start()

    def _wait_partitions(self, topic: str, timeout_s: float = 30.0) -> set[int]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            partitions = self._consumer.partitions_for_topic(topic)
            if partitions:
                return set(partitions)
            self._consumer.topics()  # forces a metadata refresh, bounded by the client timeouts
        raise RuntimeError(f"topic {topic} has no partitions after {timeout_s:.0f}s")

    def _run(self) -> None:
        while not self._stop.is_set():
            polled = self._consumer.poll(timeout_ms=100)
            if not polled:
                continue
            received = now_ms()
            with self._cond:
                for batch in polled.values():
                    for record in batch:
                        self.arrivals[record.key] = Arrival(
                            received, record.timestamp, record.value
                        )
                self._cond.notify_all()

    def wait_for(
        self, keys: set[bytes], deadline: float, alive: Callable[[], None] = lambda: None
    ) -> bool:
        """Wait until every key in ``keys`` arrived or ``deadline`` (monotonic) passes.

        ``alive`` is called about once a second and should raise if a process we depend on died.
        """
        with self._cond:
            while True:
                if keys <= self.arrivals.keys():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(timeout=min(remaining, 1.0))
                alive()

    def close(self) -> None:
        """Stop the thread and the consumer."""
        self._stop.set()
        self._thread.join(timeout=10.0)
        self._consumer.close()


class TimedProducer:
    """A ``KafkaProducer`` that notes when each key was sent (bench clock)."""

    def __init__(self, sends_ms: dict[bytes, float], **config: Any) -> None:
        self.sends_ms = sends_ms
        self._producer = KafkaProducer(**config)

    def send(self, topic: str, **kwargs: Any) -> Any:
        """Note the send time, then send."""
        self.sends_ms[kwargs["key"]] = now_ms()
        return self._producer.send(topic, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._producer, name)


def bare_producer(bootstrap: str, sends_ms: dict[bytes, float]) -> TimedProducer:
    """kafka-python producer configured like ``AlertPublisher`` (acks=all, idempotent)."""
    return TimedProducer(
        sends_ms,
        bootstrap_servers=bootstrap.split(","),
        client_id="bench-bare",
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=5,
    )


def create_plain_topics(bootstrap: str, names: Sequence[str]) -> None:
    """Create fresh topics with the pipeline's partition count."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="bench-admin")
    try:
        admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
    finally:
        admin.close()


def topic_timestamps(bootstrap: str, topic: str, timeout_s: float = 60.0) -> dict[bytes, int]:
    """Record timestamp by key of everything in ``topic`` (read from the beginning to the end)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        client_id="bench-stage-reader",
        group_id=None,
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends: dict[TopicPartition, int] = consumer.end_offsets(tps)
        found: dict[bytes, int] = {}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                log.warning("reading %s timed out; stage figures are partial", topic)
                break
            for batch in consumer.poll(timeout_ms=200).values():
                found.update((record.key, record.timestamp) for record in batch)
        return found
    finally:
        consumer.close()


# --------------------------------------------------------------------------- subprocesses


@dataclass
class Service:
    """A subprocess the bench started, with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    def check_alive(self) -> None:
        """Raise with the end of its log if it exited."""
        code = self.process.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} exited with code {code}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of its output."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        stop_process(self.process, self.name, STOP_TIMEOUT_S)


def start_service(name: str, argv: Sequence[str], log_dir: Path) -> Service:
    """Start ``argv`` from the repository root, output to ``log_dir/<name>.log``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("CORRIDOR_LOG_LEVEL", "WARNING")
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *argv],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Service(name=name, process=process, log_path=log_path)


@contextlib.contextmanager
def running(service: Service) -> Iterator[Service]:
    """Stop ``service`` when the block ends, however it ends."""
    try:
        yield service
    finally:
        service.stop()


def alive_check(*services: Service) -> Callable[[], None]:
    """A callable raising if any of ``services`` died."""

    def check() -> None:
        for service in services:
            service.check_alive()

    return check


@contextlib.contextmanager
def kafka_broker(bootstrap: str | None, home: Path) -> Iterator[tuple[str, int | None]]:
    """``(bootstrap, broker pid)``: the given cluster (pid unknown) or a broker of our own."""
    if bootstrap:
        yield bootstrap, None
        return
    broker = local_kafka.LocalKafka(local_kafka.BrokerConfig.on_free_ports(home))
    try:
        started = broker.start(timeout=120.0)
        yield started, broker.running_pid()
    finally:
        broker.stop()


# --------------------------------------------------------------------------- deployment


@dataclass(frozen=True)
class Deployment:
    """A throw-away task force: keys, trust store, TOML file and topic prefix."""

    prefix: str
    config: Path
    keys: dict[str, Ed25519PrivateKey]
    recipients: list[str]

    @property
    def topics(self) -> TopicNames:
        """Topic names of this run."""
        return TopicNames(self.prefix)

    @property
    def publishers(self) -> list[str]:
        """Publishing agency ids."""
        return list(self.keys)


def make_deployment(directory: Path, prefix: str, agencies: int, recipients: int) -> Deployment:
    """Write a task-force file where publishers only publish and recipients only receive.

    Every alert therefore goes to every recipient (never back to its originator).
    """
    keys = {f"PUB-{i:02d}": generate_private_key() for i in range(1, agencies + 1)}
    receivers = [f"RCV-{i:02d}" for i in range(1, recipients + 1)]
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    hub_key = generate_private_key()
    store = store.with_key(DEFAULT_HUB_ID, "task-force hub", hub_key.public_key())
    save_trust_store(directory / "trust-store.json", store)
    write_private_key(directory / "hub.key", hub_key)
    tables = [
        f'[[agency]]\nid = "{a}"\nrole = "border_guard"\npublishes = true\nreceives = false\n'
        for a in keys
    ]
    tables += [
        f'[[agency]]\nid = "{a}"\nrole = "coast_guard"\npublishes = false\nreceives = true\n'
        for a in receivers
    ]
    config = directory / "taskforce.toml"
    config.write_text(
        f'name = "bench"\ntopic_prefix = "{prefix}"\ntrust_store = "trust-store.json"\n\n'
        + "\n".join(tables),
        encoding="utf-8",
    )
    return Deployment(prefix=prefix, config=config, keys=keys, recipients=receivers)


def alert_data(deployment: Deployment, count: int, first_seq: int) -> list[dict[str, Any]]:
    """``count`` sample alert datums, round-robin over the publishers."""
    publishers = deployment.publishers
    return [sample_datum(publishers[i % len(publishers)], first_seq + i) for i in range(count)]


def sign_all(deployment: Deployment, data: Sequence[dict[str, Any]]) -> list[SignedRecord]:
    """Sign each datum with its agency's key."""
    return [sign_alert(d, deployment.keys[d["agency"]], deployment.topics) for d in data]


# --------------------------------------------------------------------------- measurements


def measure_micro(deployment: Deployment, count: int) -> MicroRates:
    """In-process sign / verify / decode / signature-check rates over ``count`` alerts."""
    data = alert_data(deployment, count, first_seq=0)
    store = TrustStore(agencies={})
    for agency, key in deployment.keys.items():
        store = store.with_key(agency, agency, key.public_key())
    topics = deployment.topics

    started = time.perf_counter()
    records = sign_all(deployment, data)
    sign_s = time.perf_counter() - started

    started = time.perf_counter()
    for r in records:
        verify_alert(r.value, r.headers, store, topics, read_topic=r.topic)
    verify_s = time.perf_counter() - started

    envelopes = [open_envelope(r.value) for r in records]
    started = time.perf_counter()
    for envelope in envelopes:
        decode_single_object(envelope.payload)
    decode_s = time.perf_counter() - started

    public = {a: k.public_key() for a, k in deployment.keys.items()}
    started = time.perf_counter()
    for envelope in envelopes:
        envelope.verify_signature(public[envelope.header.agency])
    signature_s = time.perf_counter() - started

    return MicroRates(
        alerts=count,
        sign=rate(count, sign_s),
        verify=rate(count, verify_s),
        decode=rate(count, decode_s),
        signature=rate(count, signature_s),
    )


@dataclass(frozen=True)
class CpuProbe:
    """Named pids whose CPU time is sampled around a timed window."""

    pids: dict[str, int | None]

    def sample(self) -> dict[str, float | None]:
        """CPU seconds of each process now."""
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    @staticmethod
    def used(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float]:
        """CPU seconds used between two samples (processes that could not be read are left out)."""
        used: dict[str, float] = {}
        for name, start in before.items():
            end = after.get(name)
            if start is not None and end is not None:
                used[name] = end - start
        return used


def timed_window(
    result: RunResult,
    collector: Collector,
    probe: CpuProbe,
    send: Callable[[], None],
    deadline_s: float,
    alive: Callable[[], None],
) -> None:
    """Run ``send``, wait for every sent key to arrive; fill the window and CPU of ``result``."""
    cpu_before = probe.sample()
    send()
    keys = set(result.sends_ms)
    if not collector.wait_for(keys, time.monotonic() + deadline_s, alive):
        log.warning(
            "%s: only %d of %d records arrived within %.0fs",
            result.name,
            len(keys & collector.arrivals.keys()),
            len(keys),
            deadline_s,
        )
    cpu_after = probe.sample()
    result.arrivals = dict(collector.arrivals)
    result.cpu = CpuProbe.used(cpu_before, cpu_after)
    arrived = [result.arrivals[k].received_ms for k in keys if k in result.arrivals]
    if arrived:
        result.window_s = (max(arrived) - min(result.sends_ms.values())) / 1000.0


def measurement_deadline(count: int) -> float:
    """Seconds to wait for ``count`` records: generous, but bounded."""
    return 30.0 + count / 20.0


def warm_up(
    collector: Collector, send: Callable[[], set[bytes]], alive: Callable[[], None], what: str
) -> float:
    """Send a few records and wait until they arrive; returns the seconds it took."""
    started = time.monotonic()
    keys = send()
    if not collector.wait_for(keys, started + WARMUP_DEADLINE_S, alive):
        alive()
        raise RuntimeError(f"{what}: warm-up records did not arrive in {WARMUP_DEADLINE_S:.0f}s")
    return time.monotonic() - started


@dataclass
class PipelineExtras:
    """Pipeline-only figures."""

    sign_rate: float = math.nan
    """Alerts signed per second while pre-signing the measured batch."""
    warmup_s: float = math.nan
    failed_publishes: int = 0
    broker_latencies_ms: list[float] = field(default_factory=list)
    """Inbox record timestamp minus envelope produced_at (the brief's definition)."""
    stages_ms: dict[str, list[float]] = field(default_factory=dict)
    """Per-stage latencies from each topic's record timestamps."""


def publish_signed(
    bootstrap: str, topics: TopicNames, records: Sequence[SignedRecord], sends: dict[bytes, float]
) -> list[PublishOutcome]:
    """Publish already-signed records with ``AlertPublisher``, noting send times."""
    settings = PublisherSettings(bootstrap=bootstrap, topics=topics, client_id="bench-publisher")
    factory = functools.partial(TimedProducer, sends)
    # AlertPublisher only signs in sign(); publish() sends records signed by any agency.
    with AlertPublisher(settings, generate_private_key(), producer_factory=factory) as publisher:
        return publisher.publish(records)


def measure_pipeline(
    bootstrap: str,
    deployment: Deployment,
    count: int,
    work_dir: Path,
    broker_pid: int | None,
) -> tuple[RunResult, PipelineExtras, list[SignedRecord]]:
    """Measurement 1: publish -> Faust verify/dedupe -> delivery -> one inbox."""
    taskforce = load_taskforce(deployment.config)
    create_topics(bootstrap, pipeline_topics(taskforce, PARTITIONS))
    common = [
        "--config",
        str(deployment.config),
        "--topic-prefix",
        deployment.prefix,
        "--bootstrap",
        bootstrap,
        "--metrics-port",
        "0",
    ]
    worker_argv = [
        "-m",
        "corridor_cli.main",
        "streams",
        "worker",
        *common,
        "--web-port",
        str(local_kafka.free_port()),
        "--data-dir",
        str(work_dir / "streams-data"),
        "--app-id",
        f"{deployment.prefix}-streams",
        "--hub-key",
        str(deployment.config.parent / "hub.key"),
    ]
    delivery_argv = [
        "-m",
        "corridor_cli.main",
        "delivery",
        *common,
        "--group",
        f"{deployment.prefix}-delivery",
    ]
    extras = PipelineExtras()
    inbox = deployment.topics.inbox(deployment.recipients[0])
    with (
        running(start_service("streams-worker", worker_argv, work_dir)) as worker,
        running(start_service("delivery", delivery_argv, work_dir)) as delivery,
    ):
        alive = alive_check(worker, delivery)
        collector = Collector(bootstrap, inbox)
        try:
            warm = sign_all(deployment, alert_data(deployment, len(deployment.keys), WARMUP_SEQ))

            def send_warm() -> set[bytes]:
                publish_signed(bootstrap, deployment.topics, warm, {})
                return {r.key for r in warm}

            extras.warmup_s = warm_up(collector, send_warm, alive, "pipeline")

            data = alert_data(deployment, count, first_seq=1)
            started = time.perf_counter()
            records = sign_all(deployment, data)
            extras.sign_rate = rate(count, time.perf_counter() - started)

            result = RunResult("pipeline", count, {}, {})
            outcomes: list[PublishOutcome] = []

            def send() -> None:
                outcomes.extend(
                    publish_signed(bootstrap, deployment.topics, records, result.sends_ms)
                )

            probe = CpuProbe(
                {
                    "faust worker": worker.pid,
                    "delivery": delivery.pid,
                    "broker": broker_pid,
                    "bench": os.getpid(),
                }
            )
            timed_window(result, collector, probe, send, measurement_deadline(count), alive)
            extras.failed_publishes = sum(not o.ok for o in outcomes)
        finally:
            collector.close()
    extras.broker_latencies_ms = [
        result.arrivals[k].timestamp_ms - produced_at_ms(result.arrivals[k].value)
        for k in result.sends_ms
        if k in result.arrivals
    ]
    extras.stages_ms = stage_latencies(bootstrap, deployment.topics, result)
    return result, extras, records


def stage_latencies(
    bootstrap: str, topics: TopicNames, result: RunResult
) -> dict[str, list[float]]:
    """Where the pipeline's latency goes, from the record timestamps of each hop.

    Each timestamp is the CreateTime the writing process gave the record (its send time).
    """
    verified = topic_timestamps(bootstrap, topics.verified)
    alerts = topic_timestamps(bootstrap, topics.alerts)
    stages: dict[str, list[float]] = {
        "publish -> verified (faust verify agent)": [],
        "verified -> alerts (faust dedupe agent)": [],
        "alerts -> inbox (delivery service)": [],
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


def produce_records(
    bootstrap: str, topic: str, records: Sequence[SignedRecord], sends: dict[bytes, float]
) -> None:
    """Produce (key, value, headers) of ``records`` to ``topic`` with bare kafka-python."""
    producer = bare_producer(bootstrap, sends)
    try:
        for r in records:
            producer.send(topic, key=r.key, value=r.value, headers=r.headers)
        producer.flush(timeout=60.0)
    finally:
        producer.close(timeout=30.0)


def warm_records(records: Sequence[SignedRecord], tag: bytes) -> list[SignedRecord]:
    """A few copies of ``records`` under keys that cannot clash with the measured ones."""
    return [
        SignedRecord(r.topic, tag + r.key, r.value, r.headers, r.header, r.alert_id, r.revision)
        for r in records[:3]
    ]


def measure_bare_kafka(
    bootstrap: str, prefix: str, records: Sequence[SignedRecord], broker_pid: int | None
) -> RunResult:
    """Baseline A: kafka-python producer -> one topic -> kafka-python consumer."""
    topic = f"{prefix}.bare-kafka"
    create_plain_topics(bootstrap, [topic])
    collector = Collector(bootstrap, topic)
    try:
        warm = warm_records(records, b"warm:")

        def send_warm() -> set[bytes]:
            produce_records(bootstrap, topic, warm, {})
            return {r.key for r in warm}

        warm_up(collector, send_warm, lambda: None, "bare kafka")
        result = RunResult("bare kafka", len(records), {}, {})
        probe = CpuProbe({"broker": broker_pid, "bench": os.getpid()})
        timed_window(
            result,
            collector,
            probe,
            lambda: produce_records(bootstrap, topic, records, result.sends_ms),
            measurement_deadline(len(records)),
            lambda: None,
        )
    finally:
        collector.close()
    return result


def measure_bare_faust(
    bootstrap: str,
    prefix: str,
    records: Sequence[SignedRecord],
    work_dir: Path,
    broker_pid: int | None,
) -> RunResult:
    """Baseline B: kafka-python -> X -> Faust pass-through agent -> Y -> kafka-python."""
    source, sink = f"{prefix}.faust-x", f"{prefix}.faust-y"
    create_plain_topics(bootstrap, [source, sink])
    argv = [
        str(REPO_ROOT / "bench" / "faust_passthrough.py"),
        "--bootstrap",
        bootstrap,
        "--source",
        source,
        "--sink",
        sink,
        "--app-id",
        f"{prefix}-passthrough",
        "--web-port",
        str(local_kafka.free_port()),
        "--data-dir",
        str(work_dir / "passthrough-data"),
    ]
    with running(start_service("faust-passthrough", argv, work_dir)) as worker:
        alive = alive_check(worker)
        collector = Collector(bootstrap, sink)
        try:
            warm = warm_records(records, b"warm:")

            def send_warm() -> set[bytes]:
                produce_records(bootstrap, source, warm, {})
                return {r.key for r in warm}

            warm_up(collector, send_warm, alive, "bare faust")
            result = RunResult("bare faust", len(records), {}, {})
            probe = CpuProbe(
                {"faust worker": worker.pid, "broker": broker_pid, "bench": os.getpid()}
            )
            timed_window(
                result,
                collector,
                probe,
                lambda: produce_records(bootstrap, source, records, result.sends_ms),
                measurement_deadline(len(records)),
                alive,
            )
        finally:
            collector.close()
    return result


# --------------------------------------------------------------------------- report


def fmt(value: float, unit: str = "", digits: int = 1) -> str:
    """A number with its unit, or 'n/a'."""
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}{unit}"


def ratio(a: float, b: float) -> float:
    """``a / b``, NaN when undefined."""
    return a / b if b and not (math.isnan(a) or math.isnan(b)) else math.nan


def cpu_lines(result: RunResult, out: TextIO) -> None:
    """CPU share of each process during ``result``'s window, and per record."""
    if not result.cpu or math.isnan(result.window_s) or result.received == 0:
        return
    parts = [
        f"{name} {100 * used / result.window_s:.0f}% "
        f"({1000 * used / result.received:.2f} ms/record)"
        for name, used in result.cpu.items()
    ]
    print(f"  CPU in window ({result.name}): " + ", ".join(parts), file=out)


SINGLE_THREADED = ("faust worker", "delivery")
"""Processes whose Python work runs on one core (asyncio loop / one poll loop)."""
SATURATED = 0.85
"""CPU share above which a process (of one core) or the machine (of all cores) is saturated."""


def cpu_shares(result: RunResult) -> dict[str, float]:
    """CPU used by each process during the window, as a fraction of one core."""
    return {name: used / result.window_s for name, used in result.cpu.items()}


def bottleneck(
    pipeline: RunResult,
    faust: RunResult,
    micro: MicroRates,
    extras: PipelineExtras,
    recipients: int,
) -> str:
    """Name the limiting stage from the measured numbers (CPU first, then where time goes)."""
    n = pipeline.received
    if n == 0 or math.isnan(pipeline.window_s):
        return "Bottleneck: unknown (no pipeline alert arrived)."
    cpus = os.cpu_count() or 1
    shares = cpu_shares(pipeline)
    total = sum(shares.values())
    stage_p50 = {stage: percentile(spans, 0.5) for stage, spans in extras.stages_ms.items()}
    end_to_end = percentile(pipeline.latencies_ms(), 0.5)
    faust_p50 = sum(v for stage, v in stage_p50.items() if "faust" in stage)
    cpu_text = ", ".join(f"{name} {100 * share:.0f}%" for name, share in shares.items())
    saturated = [name for name in SINGLE_THREADED if shares.get(name, 0.0) >= SATURATED]
    if saturated:
        head = (
            f"Bottleneck: {saturated[0]} is CPU-bound ({100 * shares[saturated[0]]:.0f}% of one "
            "core; its Python work is single-threaded)."
        )
    elif total >= SATURATED * cpus:
        head = (
            f"Bottleneck: the machine's {cpus} cores ({100 * total:.0f}% used: {cpu_text}); "
            "broker, worker and delivery compete for CPU."
        )
    elif stage_p50:
        slowest = max(stage_p50, key=lambda stage: stage_p50[stage])
        idle = f"no process is CPU-bound ({cpu_text} of one core; all {100 * total:.0f}% of {cpus})"
        if "faust" in slowest:
            head = "\n  ".join(
                (
                    f"Bottleneck: the Faust worker; slowest stage {slowest}. Its two hops hold "
                    f"p50 {faust_p50:,.0f} ms of the {end_to_end:,.0f} ms end to end "
                    f"({100 * faust_p50 / end_to_end:.0f}%),",
                    f"while {idle}: records wait in the worker rather than being computed.",
                    "Likely cause: Faust's aiokafka consumer long-polls (fetch_max_wait_ms=1500) "
                    "and, with one broker, one fetch at a time",
                    "covers both stages' topics, so a hop can wait for a long poll on idle "
                    "partitions to end.",
                )
            )
        else:
            head = (
                f"Bottleneck: {slowest} (p50 {stage_p50[slowest]:,.0f} ms of "
                f"{end_to_end:,.0f} ms end to end); {idle}."
            )
    else:
        head = f"Bottleneck: not CPU ({cpu_text}); no stage timestamps were read."
    worker_ms = 1000 * pipeline.cpu.get("faust worker", math.nan) / n
    verify_ms = 1000 / micro.verify
    decode_ms = 1000 / micro.decode
    hop_ms = (
        1000 * faust.cpu.get("faust worker", math.nan) / faust.received
        if faust.received
        else math.nan
    )
    model = 1000 / (2 * 1000 / faust.throughput + verify_ms) if faust.throughput else math.nan
    worker_line = (
        f"  Faust worker: {fmt(worker_ms, ' ms', 2)} CPU per alert (ceiling "
        f"{fmt(1000 / worker_ms, '/s', 0)} on one core, measured "
        f"{fmt(pipeline.throughput, '/s', 0)})."
    )
    verify_line = (
        f"  verify_alert costs {fmt(verify_ms, ' ms', 2)} of it; the Avro decode is "
        f"{fmt(decode_ms, ' ms', 2)} ({fmt(100 * decode_ms / verify_ms, '%', 0)}) of that, "
        f"the Ed25519 check only {fmt(1000 / micro.signature, ' ms', 3)}."
    )
    hop_line = (
        f"  A bare Faust hop costs {fmt(hop_ms, ' ms', 2)} CPU and caps at "
        f"{fmt(faust.throughput, '/s', 0)}; serial model (2 hops at that rate + verify inline): "
        f"{fmt(model, '/s', 0)} vs measured {fmt(pipeline.throughput, '/s', 0)}."
    )
    lines = [head, worker_line, verify_line, hop_line]
    if "delivery" in pipeline.cpu:
        delivery_ms = 1000 * pipeline.cpu["delivery"] / n
        lines.append(
            f"  Delivery: {delivery_ms:.2f} ms CPU per alert (it decodes the Avro payload again, "
            f"{decode_ms:.2f} ms, and writes {recipients} inbox copies)."
        )
    return "\n".join(lines)


def print_report(
    args: argparse.Namespace,
    bootstrap: str,
    own_broker: bool,
    micro: MicroRates,
    pipeline: RunResult,
    extras: PipelineExtras,
    kafka: RunResult,
    faust: RunResult,
) -> dict[str, Any]:
    """Print the table; return the JSON summary."""
    out = sys.stdout
    where = "started by the bench" if own_broker else "external"
    print(
        f"\nCorridor pipeline bench: N={args.alerts} alerts, {args.agencies} publishing "
        f"agencies, {args.recipients} recipients (1 inbox watched), broker {bootstrap} "
        f"({where}), {os.cpu_count()} CPUs",
        file=out,
    )
    rows = [
        ("pipeline -> inbox", pipeline),
        ("bare kafka-python", kafka),
        ("bare faust 1 hop", faust),
    ]
    print(
        f"\n{'run':<20} {'received':>11} {'throughput':>12} {'p50':>10} {'p99':>10} {'max':>10}",
        file=out,
    )
    for label, result in rows:
        s = result.summary()
        print(
            f"{label:<20} {s['received']:>5}/{s['sent']:<5} "
            f"{fmt(float(s['throughput_per_s']), '/s'):>12} "
            f"{fmt(float(s['p50_ms']), ' ms'):>10} {fmt(float(s['p99_ms']), ' ms'):>10} "
            f"{fmt(float(s['max_ms']), ' ms'):>10}",
            file=out,
        )
    p, k, f = pipeline.summary(), kafka.summary(), faust.summary()
    ratios = {
        "throughput_vs_kafka": ratio(p["throughput_per_s"], k["throughput_per_s"]),
        "throughput_vs_faust": ratio(p["throughput_per_s"], f["throughput_per_s"]),
        "p50_vs_kafka": ratio(p["p50_ms"], k["p50_ms"]),
        "p50_vs_faust": ratio(p["p50_ms"], f["p50_ms"]),
        "p99_vs_kafka": ratio(p["p99_ms"], k["p99_ms"]),
        "p99_vs_faust": ratio(p["p99_ms"], f["p99_ms"]),
    }
    print(
        f"\nratios pipeline/bare-kafka: throughput {fmt(ratios['throughput_vs_kafka'], 'x', 2)}, "
        f"p50 {fmt(ratios['p50_vs_kafka'], 'x', 1)}, p99 {fmt(ratios['p99_vs_kafka'], 'x', 1)}",
        file=out,
    )
    print(
        f"ratios pipeline/bare-faust: throughput {fmt(ratios['throughput_vs_faust'], 'x', 2)}, "
        f"p50 {fmt(ratios['p50_vs_faust'], 'x', 1)}, p99 {fmt(ratios['p99_vs_faust'], 'x', 1)}",
        file=out,
    )
    broker_lat = extras.broker_latencies_ms
    print(
        f"pipeline, inbox record timestamp - envelope produced_at (includes the wait between "
        f"pre-signing and sending): p50 {fmt(percentile(broker_lat, 0.5), ' ms')}, "
        f"p99 {fmt(percentile(broker_lat, 0.99), ' ms')}, "
        f"max {fmt(max(broker_lat, default=math.nan), ' ms')}",
        file=out,
    )
    print("pipeline latency by stage (record timestamps of each topic):", file=out)
    for stage, spans in extras.stages_ms.items():
        print(
            f"  {stage:<42} p50 {fmt(percentile(spans, 0.5), ' ms'):>10}  "
            f"p99 {fmt(percentile(spans, 0.99), ' ms'):>10}",
            file=out,
        )
    print(
        f"pipeline warm-up {fmt(extras.warmup_s, ' s')}; failed publishes "
        f"{extras.failed_publishes}",
        file=out,
    )
    for result in (pipeline, kafka, faust):
        cpu_lines(result, out)
    print(
        f"\nin-process rates over {micro.alerts} alerts: sign_alert {fmt(micro.sign, '/s', 0)} "
        f"(pre-signing the batch: {fmt(extras.sign_rate, '/s', 0)}), verify_alert "
        f"{fmt(micro.verify, '/s', 0)}, decode_single_object {fmt(micro.decode, '/s', 0)}, "
        f"Ed25519 signature check {fmt(micro.signature, '/s', 0)}",
        file=out,
    )
    print(
        f"decode share of verify_alert: {fmt(100 * micro.verify / micro.decode, '%', 0)}",
        file=out,
    )
    print("\n" + bottleneck(pipeline, faust, micro, extras, args.recipients), file=out, flush=True)
    return {
        "alerts": args.alerts,
        "agencies": args.agencies,
        "recipients": args.recipients,
        "cpus": os.cpu_count(),
        "pipeline": {
            **p,
            "cpu_s": pipeline.cpu,
            "broker_timestamp_minus_produced_at_p50_ms": round(percentile(broker_lat, 0.5), 1),
            "broker_timestamp_minus_produced_at_p99_ms": round(percentile(broker_lat, 0.99), 1),
            "failed_publishes": extras.failed_publishes,
            "presign_per_s": round(extras.sign_rate, 1),
            "stages_p50_ms": {
                stage: round(percentile(spans, 0.5), 1) for stage, spans in extras.stages_ms.items()
            },
            "stages_p99_ms": {
                stage: round(percentile(spans, 0.99), 1)
                for stage, spans in extras.stages_ms.items()
            },
        },
        "bare_kafka": {**k, "cpu_s": kafka.cpu},
        "bare_faust": {**f, "cpu_s": faust.cpu},
        "ratios": {name: round(value, 3) for name, value in ratios.items()},
        "micro": micro.as_dict(),
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000, help="alerts to measure (%(default)s)")
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP") or None,
        help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP); default: start a broker",
    )
    parser.add_argument("--agencies", type=int, default=3, help="publishing agencies (3)")
    parser.add_argument("--recipients", type=int, default=3, help="inbox recipients (3)")
    parser.add_argument("--json", action="store_true", help="also print a JSON summary line")
    parser.add_argument(
        "--keep-work-dir", action="store_true", help="keep the temp dir (service logs, broker)"
    )
    args = parser.parse_args(argv)
    for name in ("alerts", "agencies", "recipients"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.agencies > 99 or args.recipients > 99:
        parser.error("at most 99 agencies and 99 recipients")
    return args


def quiet_logging() -> None:
    """Bench progress on stderr; kafka-python's connection chatter silenced."""
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s", stream=sys.stderr)
    logging.getLogger("kafka").setLevel(logging.CRITICAL)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the report; returns the exit code."""
    args = parse_args(argv)
    quiet_logging()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    work_dir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    try:
        deployment = make_deployment(work_dir, prefix, args.agencies, args.recipients)
        log.info("micro-benchmarks over %d alerts", MICRO_ALERTS)
        micro = measure_micro(deployment, MICRO_ALERTS)
        with kafka_broker(args.bootstrap, work_dir / "kafka") as (bootstrap, broker_pid):
            log.info("broker %s; topic prefix %s; work dir %s", bootstrap, prefix, work_dir)
            log.info("measurement 1: full pipeline, %d alerts", args.alerts)
            pipeline, extras, records = measure_pipeline(
                bootstrap, deployment, args.alerts, work_dir, broker_pid
            )
            log.info("measurement 2: bare kafka-python")
            kafka = measure_bare_kafka(bootstrap, prefix, records, broker_pid)
            log.info("measurement 3: bare Faust pass-through")
            faust = measure_bare_faust(bootstrap, prefix, records, work_dir, broker_pid)
        summary = print_report(
            args, bootstrap, args.bootstrap is None, micro, pipeline, extras, kafka, faust
        )
        if args.json:
            print(json.dumps(summary), flush=True)
        complete = all(r.received == r.expected for r in (pipeline, kafka, faust))
        return 0 if complete and extras.failed_publishes == 0 else 1
    finally:
        if args.keep_work_dir:
            log.info("kept %s", work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

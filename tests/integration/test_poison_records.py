"""No single record, of any size or shape, stops the hub (issue 12, items 1 and 4b; issue 15).

Records below, at and above the producer's default ``max_request_size`` (1 MiB) and the
test broker's ``message.max.bytes`` (10 MiB), a tombstone, an empty value, a null key,
garbage headers and a header name that is not UTF-8 (which both Kafka clients failed on,
at every fetch of its partition) go to every topic the worker and the delivery service
read. Each must be quarantined with its reason (bounded, by digest when too large), and a
genuine alert sent after them must still reach an inbox within a bounded time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import MessageSizeTooLargeError
from kafka.record.default_records import DefaultRecordBatchBuilder
from prometheus_client.parser import text_string_to_metric_families

from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas import hub_headers, reasons
from schemas.catalog import alert_schema
from schemas.codec import encode_single_object
from schemas.header_names import decode_name
from schemas.quarantine import MAX_RECORD_BYTES, VALUE_PREFIX_BYTES
from schemas.signing import ALERT_KIND, _seal_payload
from schemas.taskforce import load_taskforce
from streams.admin import create_topics
from streams.sending import EXIT_INTERRUPTED
from streams.topology import pipeline_topics
from tests.integration.conftest import (
    Pipeline,
    scrape_metric,
    start_corridor,
    streams_worker_args,
    taskforce_text,
    wait_for,
)

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
#: ``message.max.bytes`` of the suite's broker (deploy/kafka_local/properties.py).
BROKER_MAX_BYTES = 10 * MIB
#: A genuine alert sent after the poison records reaches an inbox within this (seconds).
BOUND_S = 30.0
#: The first delivery of a session waits for the worker's group to form.
WARM_UP_S = 90.0
#: A header name that is not UTF-8. kafka-python's producer writes a name as
#: ``name.encode("utf-8")``, which for this tolerantly decoded name gives back these bytes.
UNDECODABLE_NAME = decode_name(b"\xff\xfe-not-utf8")


@pytest.fixture(scope="module")
def producer(pipeline: Pipeline) -> Iterator[KafkaProducer]:
    """A producer that can send what the broker takes (the clients' defaults cannot)."""
    big = KafkaProducer(
        bootstrap_servers=pipeline.bootstrap,
        acks="all",
        max_request_size=2 * BROKER_MAX_BYTES,
        request_timeout_ms=60_000,
    )
    yield big
    big.close()


def _value_at_broker_limit(key: bytes) -> int:
    """Value length whose one-record batch is exactly ``message.max.bytes``."""
    probe = BROKER_MAX_BYTES - 200
    record = DefaultRecordBatchBuilder.size_in_bytes(0, 0, key, b"\0" * probe, [])
    batch = DefaultRecordBatchBuilder.HEADER_STRUCT.size + record
    return probe + BROKER_MAX_BYTES - batch


def _send(
    producer: KafkaProducer,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, Any]] | None = None,
) -> Any:
    return producer.send(topic, key=key, value=value, headers=headers or []).get(60)


def _publish(pipeline: Pipeline, seq: int) -> str:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    alert = sample_datum("PK-FIA", seq)
    with AlertPublisher(settings, pipeline.keys["PK-FIA"]) as publisher:
        outcomes = publisher.publish([publisher.sign(alert)])
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return f"PK-FIA:{alert['alert_id']}"


def _delivered(pipeline: Pipeline, key: str, timeout: float) -> float:
    """Seconds until ``key`` is in GR-HCG's inbox (fails after ``timeout``)."""
    started = time.monotonic()
    pipeline.read_topic(
        pipeline.taskforce.topics.inbox("GR-HCG"),
        lambda records: any(r.key == key.encode() for r in records),
        timeout,
    )
    return time.monotonic() - started


def _oversized_valid_envelope(pipeline: Pipeline) -> tuple[bytes, list[tuple[str, bytes]]]:
    """A well-formed, signed alert envelope whose inbox copy exceeds 1 MiB.

    The hub never passes on such an alert (its narrative breaks the contract); written
    straight to the alerts topic, it is what the delivery service cannot copy.
    """
    datum = sample_datum("PK-FIA", 9_900)
    datum["narrative"] = ""
    base = len(encode_single_object(alert_schema(), datum))
    datum["narrative"] = "x" * (MIB - base - 16)  # payload just under the envelope's 1 MiB
    header, value = _seal_payload(
        ALERT_KIND,
        pipeline.taskforce.topics.inbound("PK-FIA"),
        "PK-FIA",
        alert_schema(),
        datum,
        pipeline.keys["PK-FIA"],
        None,
        None,
    )
    return value, header.record_headers()


def _quarantined(pipeline: Pipeline, sent: dict[tuple[str, int, int], str]) -> dict[Any, Any]:
    """The quarantine record of every sent (topic, partition, offset), once all are there."""
    found: dict[tuple[str, int, int], dict[str, Any]] = {}

    def all_there(records: list[Any]) -> bool:
        for record in records:
            document = json.loads(record.value)
            source = document["source"]
            where = (source["topic"], source["partition"], source["offset"])
            if where in sent:
                found[where] = document
                assert len(record.value) <= MAX_RECORD_BYTES
        return set(sent) <= set(found)

    pipeline.read_topic(pipeline.taskforce.topics.quarantine, all_there, 60)
    return found


def _metric_sum(port: int, name: str, **labels: str) -> float | None:
    """Sum of the samples of ``name`` whose labels include ``labels`` (None: none yet)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return None
    values = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]
    return sum(values) if values else None


@pytest.fixture
def readers(pipeline: Pipeline) -> Iterator[dict[str, tuple[subprocess.Popen[bytes], int]]]:
    """The hub services that only read the pipeline (and quarantine receipts), on it."""
    common = ["--config", str(pipeline.config), "--bootstrap", pipeline.bootstrap]
    hub_key = ["--hub-key", str(pipeline.workdir / "hub.key")]
    started: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    for name, args in {
        "receipts": ["receipts", "track", *common],
        "recalls": ["recalls", "run", *common, *hub_key],
        # One auditor at a time per chain: test_audit's has stopped, the next resumes.
        "audit": ["audit", "run", *common, *hub_key, "--checkpoint-interval", "2s"],
    }.items():
        port = free_port()
        log = pipeline.workdir / f"poison-{name}.log"
        started[name] = (start_corridor([*args, "--metrics-port", str(port)], log), port)
    try:
        yield started
    finally:
        for name, (process, _) in started.items():
            stop_process(process, name)


def test_no_record_of_any_size_or_shape_stops_the_hub(
    pipeline: Pipeline,
    producer: KafkaProducer,
    readers: dict[str, tuple[subprocess.Popen[bytes], int]],
) -> None:
    topics = pipeline.taskforce.topics
    inbound = topics.inbound("PK-FIA")
    assert _delivered(pipeline, _publish(pipeline, 9_000), WARM_UP_S) < WARM_UP_S
    # Every poison record with a key shares the partitions of the genuine alert sent after
    # them: a stage stuck on one would hold that alert back.
    genuine = f"PK-FIA:{sample_datum('PK-FIA', 9_001)['alert_id']}".encode()

    at_broker = _value_at_broker_limit(genuine)
    # The broker refuses one byte more: no hub service ever reads it. (Its refusal leaves
    # an idempotent kafka-python producer in a fatal state: a throw-away one sends it.)
    refused = KafkaProducer(
        bootstrap_servers=pipeline.bootstrap, acks="all", max_request_size=2 * BROKER_MAX_BYTES
    )
    try:
        with pytest.raises(MessageSizeTooLargeError):
            _send(refused, inbound, genuine, b"\xab" * (at_broker + 1))
    finally:
        refused.close()

    cases: list[tuple[str, bytes | None, bytes | None, list[Any], str, bool]] = [
        # name, key, value, headers, expected reason (or delivery detail), truncated
        ("900KB", genuine, b"\xab" * 900_000, [], reasons.MALFORMED_ENVELOPE, True),
        ("1MiB", genuine, b"\xab" * MIB, [], reasons.MALFORMED_ENVELOPE, True),
        ("1MiB+1", genuine, b"\xab" * (MIB + 1), [], reasons.MALFORMED_ENVELOPE, True),
        (
            "at-broker-max",
            genuine,
            b"\xab" * at_broker,
            [],
            reasons.MALFORMED_ENVELOPE,
            True,
        ),
        ("tombstone", genuine, None, [], reasons.TOMBSTONE, False),
        ("empty", genuine, b"", [], reasons.MALFORMED_ENVELOPE, False),
        ("null-key", None, b"\x00garbage", [], reasons.MALFORMED_ENVELOPE, False),
        (
            "garbage-headers",
            genuine,
            b"CRD\x01" + b"\xff" * 100,
            [
                (
                    "\u00e9\ufffd-not-a-corridor-header",
                    b"\xff\xfe",
                ),
                ("corridor-kind", b""),
                ("corridor-envelope", b"\x80" * 600_000),  # too large to keep whole
            ],
            reasons.MALFORMED_ENVELOPE,
            True,
        ),
        (
            "undecodable-header-name",
            genuine,
            b"CRD\x01" + b"\x00" * 80,
            [(UNDECODABLE_NAME, b"x"), ("corridor-kind", b"alert")],
            reasons.UNDECODABLE_HEADER,
            False,
        ),
    ]
    sent: dict[tuple[str, int, int], str] = {}
    expected: dict[tuple[str, int, int], tuple[str, str, bool, bytes | None]] = {}
    for name, key, value, headers, reason, truncated in cases:
        meta = _send(producer, inbound, key, value, headers)
        where = (inbound, meta.partition, meta.offset)
        sent[where] = name
        expected[where] = ("verify", reason, truncated, value)

    # Behind verify: what only the hub writes, but a hub service still reads.
    huge_verified = b"\xcd" * (MIB + 16)  # dedupe's copy to the alerts topic is refused
    for topic, key, value, headers, stage, reason in [
        (
            topics.verified,
            genuine,
            huge_verified,
            [(hub_headers.REVISION, b"1")],
            "dedupe",
            reasons.RECORD_TOO_LARGE,
        ),
        (topics.verified, genuine, None, [], "dedupe", reasons.TOMBSTONE),
        (topics.verified, genuine, b"x", [], "dedupe", reasons.UNPROCESSABLE),
        (topics.correlation, b"taskforce", None, [], "correlate", reasons.TOMBSTONE),
        (
            topics.correlation,
            b"taskforce",
            b"\xff" * 900_000,
            [],
            "correlate",
            reasons.UNPROCESSABLE,
        ),
    ]:
        meta = _send(producer, topic, key, value, headers)
        where = (topic, meta.partition, meta.offset)
        sent[where] = f"{stage}/{reason}"
        expected[where] = (stage, reason, value is not None and len(value) > 600_000, value)

    # The delivery service (alerts and incidents topics): a copy too large for its
    # producer, a tombstone, garbage, a header name that is not UTF-8.
    envelope, envelope_headers = _oversized_valid_envelope(pipeline)
    for topic, key, value, headers, detail in [
        (topics.alerts, genuine, envelope, envelope_headers, reasons.RECORD_TOO_LARGE),
        (topics.alerts, genuine, None, [], reasons.TOMBSTONE),
        (topics.alerts, genuine, b"\xab" * (2 * MIB), [], reasons.MALFORMED_ENVELOPE),
        (
            topics.alerts,
            genuine,
            b"\xab" * 100,
            [(UNDECODABLE_NAME, b"x")],
            reasons.MALFORMED_ENVELOPE,
        ),
        (topics.incidents, b"incident", None, [], reasons.TOMBSTONE),
        (topics.incidents, b"incident", b"\xab" * 1000, [], reasons.MALFORMED_ENVELOPE),
    ]:
        meta = _send(producer, topic, key, value, headers)
        where = (topic, meta.partition, meta.offset)
        sent[where] = f"delivery/{detail}"
        expected[where] = ("delivery", detail, len(value or b"") > 600_000, value)

    # The receipt tracker's and the auditor's own topics: receipts and an inbox (of a
    # member whose inbox and receipts the later tests of the session do not read).
    receipts = topics.receipts("EU-EUROPOL")
    undecodable = [(UNDECODABLE_NAME, b"x")]
    for topic, key, value, headers, reason, truncated in [
        (receipts, genuine, None, [], reasons.TOMBSTONE, False),
        (receipts, genuine, b"\xab" * 900_000, [], reasons.MALFORMED_ENVELOPE, True),
        (receipts, None, b"\xab" * (MIB + 1), [], reasons.MALFORMED_ENVELOPE, True),
        (receipts, genuine, b"\xab" * 100, undecodable, reasons.MALFORMED_ENVELOPE, False),
        (topics.inbox("EU-EUROPOL"), genuine, None, [], None, False),
        (topics.inbox("EU-EUROPOL"), genuine, b"\xab" * (2 * MIB), [], None, False),
        (topics.inbox("EU-EUROPOL"), genuine, b"\xab" * 100, undecodable, None, False),
    ]:
        meta = _send(producer, topic, key, value, headers)
        if reason is not None:
            where = (topic, meta.partition, meta.offset)
            sent[where] = f"receipts/{reason}"
            expected[where] = ("receipts", reason, truncated, value)

    # A genuine alert sent after every poison record still gets through, in bounded time.
    assert _publish(pipeline, 9_001).encode() == genuine
    took = _delivered(pipeline, genuine.decode(), BOUND_S)
    assert took < BOUND_S

    found = _quarantined(pipeline, sent)
    for where, (stage, reason, truncated, value) in expected.items():
        document = found[where]
        assert document["stage"] == stage, sent[where]
        if stage == "delivery":
            assert document["reason"] == "undeliverable"
            assert document["detail"].startswith(reason + ":"), (sent[where], document["detail"])
        else:
            assert document["reason"] == reason, (sent[where], document["detail"])
        assert document["truncated"] is truncated, sent[where]
        if value is None:
            assert document["value_sha256"] is None
        else:
            assert document["value_sha256"] == hashlib.sha256(value).hexdigest()
            assert document["value_size"] == len(value)
        if truncated:
            assert document["value_b64"] is None
            prefix = base64.b64decode(document["value_prefix_b64"])
            assert prefix == (value or b"")[:VALUE_PREFIX_BYTES]
        elif value is not None:
            assert base64.b64decode(document["value_b64"]) == value

    # Counted where the alert rules look.
    worker = pipeline.worker_metric
    assert worker("corridor_poison_records_total", stage="verify", reason="tombstone") >= 1
    assert worker("corridor_poison_records_total", stage="dedupe", reason="record_too_large") >= 1
    assert worker("corridor_poison_records_total", stage="correlate", reason="unprocessable") >= 1
    assert worker("corridor_quarantine_truncated_total", stage="verify") >= 4

    # The services that only read went through it all, and are still running.
    tracker_port = readers["receipts"][1]
    assert (_metric_sum(tracker_port, "corridor_quarantine_truncated_total") or 0) >= 2
    tombstones = _metric_sum(tracker_port, "corridor_poison_records_total", reason="tombstone")
    assert (tombstones or 0) >= 1
    for name, group in [("recalls", "corridor-recalls"), ("audit", None)]:
        process, port = readers[name]
        lag = "corridor_audit_lag" if group is None else "corridor_consumer_lag"
        labels = {} if group is None else {"group": group}

        def caught_up(port: int = port, lag: str = lag, labels: dict[str, str] = labels) -> bool:
            return _metric_sum(port, lag, **labels) == 0

        wait_for(caught_up, BOUND_S, f"the {name} service to read every topic to its end")
    for name, (process, _) in readers.items():
        assert process.poll() is None, f"{name} exited with {process.returncode}"


def test_a_worker_retrying_a_send_stops_promptly_on_sigterm_without_committing(
    pipeline: Pipeline, producer: KafkaProducer
) -> None:
    """A hub of its own whose quarantine topic is missing: its worker waits and retries
    (a retriable failure); SIGTERM stops it at once, with the record not committed."""
    prefix = f"it-{uuid.uuid4().hex[:8]}"
    workdir = pipeline.workdir / prefix
    workdir.mkdir()
    config = workdir / "taskforce.toml"
    config.write_text(
        taskforce_text(prefix).replace(
            'trust_store = "trust-store.json"',
            f'trust_store = "{pipeline.workdir / "trust-store.json"}"',
        ),
        "utf-8",
    )
    shutil.copy(pipeline.workdir / "hub.key", workdir / "hub.key")
    taskforce = load_taskforce(config)
    # No quarantine topic (the broker creates none): the quarantine send waits on metadata.
    create_topics(
        pipeline.bootstrap,
        [s for s in pipeline_topics(taskforce) if s.name != taskforce.topics.quarantine],
    )
    metrics_port = free_port()
    common = ["--config", str(config), "--bootstrap", pipeline.bootstrap]
    worker = start_corridor(
        [*streams_worker_args(common, workdir, prefix), "--metrics-port", str(metrics_port)],
        workdir / "worker.log",
    )
    try:
        meta = _send(producer, taskforce.topics.inbound("PK-FIA"), b"PK-FIA:s1", b"\x00garbage")

        def stuck() -> bool:
            try:
                return (
                    scrape_metric(metrics_port, "corridor_stream_received_total", agency="PK-FIA")
                    >= 1
                )
            except OSError:  # metrics endpoint not up yet
                return False

        wait_for(stuck, WARM_UP_S, "the worker to read the record it cannot quarantine")
        worker.terminate()
        started = time.monotonic()
        try:
            code = worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("the worker ignored SIGTERM for 20 s while retrying a send")
        took = time.monotonic() - started
    finally:
        stop_process(worker, "sigterm test worker")
    assert took < 5.0, f"the worker took {took:.1f}s to stop on SIGTERM"
    # The record whose quarantine record was never acknowledged is read again next time.
    consumer = KafkaConsumer(bootstrap_servers=pipeline.bootstrap, group_id=f"{prefix}-streams")
    try:
        part = TopicPartition(taskforce.topics.inbound("PK-FIA"), meta.partition)
        committed = consumer.committed(part)
    finally:
        consumer.close()
    assert committed is None or committed <= meta.offset
    # Stopped before the send was acknowledged: a clean stop (0), or abandoned (3).
    assert code in (0, EXIT_INTERRUPTED), code

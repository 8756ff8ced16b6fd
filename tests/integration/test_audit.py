"""The audit trail on the real broker: the auditor chains what the pipeline did, and
``corridor trace`` / ``corridor audit verify`` read it back."""

from __future__ import annotations

import json
import signal
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from consumers.audit.chain import load_chain
from consumers.audit.sources import source_roles
from consumers.delivery.routing import HEADER_DELIVERY_ID
from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas import audit
from schemas.keys import write_private_key
from schemas.signing import sign_alert
from streams.admin import create_topics
from streams.topology import TopicSpec
from tests.integration.conftest import (
    Pipeline,
    run_corridor,
    scrape_metric,
    start_corridor,
    wait_for,
)

pytestmark = pytest.mark.integration

TIMEOUT = 120.0


class AuditorProcess:
    """The ``corridor audit run`` process under test (restartable)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port = free_port()
        p = self.pipeline
        self.process = start_corridor(
            [
                "audit", "run", "--config", str(p.config), "--bootstrap", p.bootstrap,
                "--hub-key", str(p.workdir / "hub.key"), "--metrics-port", str(self.port),
                "--checkpoint-every", "7", "--checkpoint-interval", "2s",
            ],
            p.workdir / "auditor.log",
        )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_process(self.process, "auditor")


@pytest.fixture(scope="module")
def auditor(pipeline: Pipeline) -> Iterator[AuditorProcess]:
    process = AuditorProcess(pipeline)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _kafka(pipeline: Pipeline) -> list[str]:
    return ["--bootstrap", pipeline.bootstrap, "--topic-prefix", pipeline.taskforce.topics.prefix]


def _trace(pipeline: Pipeline, alert: str) -> dict[str, Any] | None:
    done = run_corridor("trace", alert, *_kafka(pipeline), "--json")
    if done.returncode != 0:
        return None
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def _kinds(document: dict[str, Any]) -> list[str]:
    return [step["kind"] for step in document["steps"]]


def _publish(pipeline: Pipeline, alerts: list[dict[str, Any]]) -> None:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    for alert in alerts:
        with AlertPublisher(settings, pipeline.keys[alert["agency"]]) as publisher:
            assert all(o.ok for o in publisher.publish([publisher.sign(alert)]))


def _correlated_pair() -> list[dict[str, Any]]:
    base = sample_datum("TR-SG", 7100, route="aegean-crossing")
    views = []
    for agency, seq, phone in (
        ("TR-SG", 7101, "+90 533 610 4455"),
        ("GR-HCG", 7102, "0533 610 44 55"),
    ):
        datum = sample_datum(agency, seq, route="aegean-crossing")
        datum["observed_from"], datum["observed_to"] = base["observed_from"], base["observed_to"]
        datum["indicators"] = {
            "phone_numbers": [phone],
            "messaging_handles": [{"platform": "telegram", "handle": "@audit_trail_boats"}],
            "social_media_handles": [],
            "payment_channels": [{"method": "HAWALA", "identifier": "HWL-AUDIT-7100"}],
            "smuggler_aliases": ["Kaptan Audit"],
        }
        views.append(datum)
    return views


def _inbox_agencies(pipeline: Pipeline, key: bytes) -> set[str]:
    topics = pipeline.taskforce.topics
    found = set()
    consumer = KafkaConsumer(bootstrap_servers=pipeline.bootstrap, enable_auto_commit=False)
    try:
        for member in pipeline.taskforce.recipients:
            topic = topics.inbox(member.agency_id)
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            ends = consumer.end_offsets(parts)
            while any(consumer.position(tp) < ends[tp] for tp in parts):
                for batch in consumer.poll(timeout_ms=200).values():
                    if any(r.key == key for r in batch):
                        found.add(member.agency_id)
    finally:
        consumer.close()
    return found


def test_trace_shows_the_full_path_of_an_alert_through_the_real_pipeline(
    pipeline: Pipeline, auditor: AuditorProcess
) -> None:
    topics = pipeline.taskforce.topics
    tr_alert, hcg_alert = _correlated_pair()
    _publish(pipeline, [tr_alert, hcg_alert])
    _publish(pipeline, [tr_alert])  # the same revision again: dropped by dedupe
    alert = f"TR-SG:{tr_alert['alert_id']}"
    key = alert.encode()

    # GR-HCG reads its inbox once the alert is there, and sends receipts.
    hcg = pipeline.read_topic(
        topics.inbox("GR-HCG"), lambda rs: any(r.key == key for r in rs), TIMEOUT
    )
    ours = next(r for r in hcg if r.key == key)
    hcg_delivery = dict(ours.headers)[HEADER_DELIVERY_ID].decode()
    key_file = pipeline.workdir / "gr-hcg-audit.key"
    write_private_key(key_file, pipeline.keys["GR-HCG"])
    inbox = run_corridor(
        "inbox", "--agency", "GR-HCG", "--trust-store", str(pipeline.workdir / "trust-store.json"),
        *_kafka(pipeline), "--group", f"audit-{uuid.uuid4().hex[:6]}",
        "--max-messages", str(len(hcg)), "--receipts", "--key", str(key_file),
    )  # fmt: skip
    assert inbox.returncode == 0, inbox.stderr

    wanted = {"received", "verified", "passed_dedupe", "dropped_duplicate", "correlated",
              "delivered", "receipted"}  # fmt: skip

    def complete() -> dict[str, Any] | None:
        document = _trace(pipeline, tr_alert["alert_id"])  # the bare id resolves too
        if document is None or not wanted <= set(_kinds(document)):
            return None
        receipted = [s for s in document["steps"] if s["kind"] == "receipted"]
        return (
            document if any(s["subject"].get("status") == "VERIFIED" for s in receipted) else None
        )

    document = wait_for(complete, TIMEOUT, f"the whole path of {alert} in the audit trail")
    assert document["alert"] == alert
    steps = document["steps"]
    kinds = _kinds(document)
    # Received first (twice: the original and the re-sent copy), times in order.
    assert kinds[0] == "received"
    assert kinds.count("received") == 2 and kinds.count("passed_dedupe") == 1
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert steps[0]["since_received_ms"] == 0
    assert all(s["since_received_ms"] >= 0 for s in steps)
    received = next(s for s in steps if s["kind"] == "received")
    assert received["subject"]["agency"] == "TR-SG"
    correlated = next(s for s in steps if s["kind"] == "correlated")
    assert f"GR-HCG:{hcg_alert['alert_id']}" in correlated["subject"]["alerts"]
    # Delivered to exactly the agencies whose inbox holds it.
    delivered_to = {
        s["subject"]["agency"]
        for s in steps
        if s["kind"] == "delivered" and s["subject"].get("alert") == alert
    }
    assert delivered_to == _inbox_agencies(pipeline, key)
    assert "GR-HCG" in delivered_to
    receipts = [s for s in steps if s["kind"] == "receipted"]
    assert {s["subject"]["delivery"] for s in receipts} >= {hcg_delivery}
    assert {s["subject"]["agency"] for s in receipts} == {"GR-HCG"}
    # The incident's deliveries are on the path too.
    incident = correlated["subject"]["incident"]
    assert any(s["subject"].get("incident") == incident for s in steps if s["kind"] == "delivered")
    # Audit records carry ids and digests, never alert content.
    assert tr_alert["narrative"] not in json.dumps(document)

    text = run_corridor("trace", alert, *_kafka(pipeline))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == f"alert {alert}"
    assert "received from TR-SG" in lines[1] and "+0.000s" in lines[1]
    assert any("delivered to GR-HCG" in line for line in lines)
    assert any("receipted by GR-HCG: VERIFIED" in line for line in lines)
    assert any("dropped as duplicate" in line for line in lines)

    assert scrape_metric(auditor.port, "corridor_audit_records_total", kind="received") >= 3
    wait_for(
        lambda: scrape_metric(auditor.port, "corridor_audit_checkpoints_total") >= 1,
        TIMEOUT,
        "a checkpoint",
    )


def test_a_forged_alert_is_received_and_quarantined_in_the_trace(
    pipeline: Pipeline, auditor: AuditorProcess
) -> None:
    datum = sample_datum("PK-FIA", 7200)
    record = sign_alert(datum, pipeline.keys["PK-FIA"], pipeline.taskforce.topics)
    forged = record.value[:-1] + bytes([record.value[-1] ^ 1])
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    producer.send(record.topic, key=record.key, value=forged, headers=record.headers).get(30)
    producer.close()
    alert = f"PK-FIA:{datum['alert_id']}"

    def quarantined() -> dict[str, Any] | None:
        document = _trace(pipeline, alert)
        return document if document and "quarantined" in _kinds(document) else None

    document = wait_for(quarantined, TIMEOUT, "the forged alert's quarantine in the trail")
    assert _kinds(document) == ["received", "quarantined"]
    assert document["steps"][1]["subject"]["reason"] == "bad_signature"
    assert document["steps"][1]["subject"]["stage"] == "verify"

    unknown = run_corridor("trace", "PK-FIA:NO-SUCH-ALERT", *_kafka(pipeline))
    assert unknown.returncode == 1
    assert "no audit record names alert 'PK-FIA:NO-SUCH-ALERT'" in unknown.stderr


def _verify(pipeline: Pipeline, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_corridor(
        "audit", "verify", "--config", str(pipeline.config), "--bootstrap", pipeline.bootstrap,
        *extra,
    )  # fmt: skip


def test_audit_verify_passes_on_the_live_chain_and_pinpoints_tampering_in_a_copy(
    pipeline: Pipeline, auditor: AuditorProcess
) -> None:
    topics = pipeline.taskforce.topics
    wait_for(lambda: len(load_chain(pipeline.bootstrap, topics.audit)) >= 12, TIMEOUT, "a chain")
    live = _verify(pipeline)
    assert live.returncode == 0, live.stdout + live.stderr
    assert live.stdout.splitlines()[-1].startswith("intact: ")
    assert " checkpoints, head seq " in live.stdout

    chain = load_chain(pipeline.bootstrap, topics.audit)
    # Alter an event, not a checkpoint: an altered checkpoint is also a bad signature.
    altered_index = next(
        i
        for i in range(4, len(chain))
        if json.loads(chain[i][1] or b"")["kind"] != audit.CHECKPOINT
    )
    dropped_index = altered_index + 4
    assert dropped_index < len(chain), "the chain is too short to drop a later record"
    altered = json.loads(chain[altered_index][1] or b"")
    altered["at"] += 1
    dropped_seq = json.loads(chain[dropped_index][1] or b"")["seq"]
    copy = f"{topics.prefix}.audit-copy-{uuid.uuid4().hex[:6]}"
    create_topics(pipeline.bootstrap, [TopicSpec(copy, 1)])
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    for index, (_, value) in enumerate(chain):
        if index == dropped_index:
            continue
        if index == altered_index:
            value = json.dumps(altered).encode()
        producer.send(copy, key=audit.RECORD_KEY, value=value).get(30)
    producer.close()

    tampered = _verify(pipeline, "--topic", copy)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    out = tampered.stdout
    assert (
        f"error: altered: record seq {altered['seq']} at offset {altered_index} was altered" in out
    ), out
    assert f"record seq {dropped_seq} missing (after offset {dropped_index - 1}" in out, out
    assert "NOT INTACT" in out

    as_json = _verify(pipeline, "--topic", copy, "--json")
    findings = json.loads(as_json.stdout)["findings"]
    errors = {(f["code"], f["seq"]) for f in findings if f["severity"] == "error"}
    assert errors == {("altered", altered["seq"]), ("missing", dropped_seq)}


def _source_positions(pipeline: Pipeline) -> list[tuple[str, int, int]]:
    positions = []
    for _, value in load_chain(pipeline.bootstrap, pipeline.taskforce.topics.audit):
        record = audit.parse_record(value)
        if record.source is not None:
            positions.append((record.source.topic, record.source.partition, record.source.offset))
    return positions


def _all_source_offsets(pipeline: Pipeline) -> set[tuple[str, int, int]]:
    topics = pipeline.taskforce.topics
    # The key registry is compacted: its offsets need not be contiguous.
    names = [t for t in source_roles(pipeline.taskforce) if t != topics.keys]
    consumer = KafkaConsumer(bootstrap_servers=pipeline.bootstrap)
    try:
        parts = [
            TopicPartition(t, p) for t in names for p in consumer.partitions_for_topic(t) or []
        ]
        ends = consumer.end_offsets(parts)
    finally:
        consumer.close()
    return {(tp.topic, tp.partition, o) for tp, end in ends.items() for o in range(end)}


def test_a_killed_auditor_resumes_the_chain_without_losing_or_doubling_an_event(
    pipeline: Pipeline, auditor: AuditorProcess
) -> None:
    before = len(load_chain(pipeline.bootstrap, pipeline.taskforce.topics.audit))
    alerts = [sample_datum("PK-FIA", 7300 + i) for i in range(12)]
    _publish(pipeline, alerts[:6])
    # Killed mid-stream (no final checkpoint) once it has appended some of the new events.
    wait_for(
        lambda: len(load_chain(pipeline.bootstrap, pipeline.taskforce.topics.audit)) > before + 3,
        TIMEOUT,
        "the auditor to append",
    )
    auditor.kill()
    _publish(pipeline, alerts[6:])
    auditor.start()

    def complete() -> bool:
        positions = _source_positions(pipeline)
        return _all_source_offsets(pipeline) <= set(positions)

    wait_for(complete, TIMEOUT, "the restarted auditor to chain every source record")
    positions = _source_positions(pipeline)
    assert len(positions) == len(set(positions)), "a source record was chained twice"
    for alert in alerts:
        document = _trace(pipeline, f"PK-FIA:{alert['alert_id']}")
        assert document is not None
        assert {"received", "verified", "passed_dedupe"} <= set(_kinds(document))
    verified = _verify(pipeline)
    assert verified.returncode == 0, verified.stdout + verified.stderr

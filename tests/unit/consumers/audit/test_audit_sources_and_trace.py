"""Life events derived from topic records (untrusted bytes), and the trace that joins them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.audit import trace as audit_trace
from consumers.audit.events import derive
from consumers.audit.sources import Role, source_roles
from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.receipts.ledger import VERIFIED, receipt_datum
from producers.scenarios import sample_datum
from schemas import audit
from schemas.keys import generate_private_key
from schemas.quarantine import SourceRecord, quarantine_record
from schemas.signing import now_ms, sign_alert, sign_receipt
from schemas.taskforce import parse_taskforce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from streams.audit_events import dedupe_drop_event
from streams.dedupe import Decision

TOPICS = TopicNames("tf")
FIA = generate_private_key()
HCG = generate_private_key()
TRUST = TrustStore(agencies={}).with_key("PK-FIA", "FIA", FIA.public_key())
TRUST = TRUST.with_key("GR-HCG", "HCG", HCG.public_key())


def _record(topic: str, value: bytes | None, key: bytes | None = None, **kw: Any) -> Any:
    return SimpleNamespace(
        topic=topic,
        partition=kw.get("partition", 0),
        offset=kw.get("offset", 5),
        timestamp=kw.get("timestamp", 1_700_000_000_000),
        key=key,
        value=value,
        headers=kw.get("headers", []),
    )


def test_every_pipeline_topic_has_a_role() -> None:
    taskforce = parse_taskforce(
        {
            "topic_prefix": "tf",
            "trust_store": "t.json",
            "agency": [{"id": "PK-FIA", "role": "investigation_agency"}],
        },
        Path(),
    )
    roles = source_roles(taskforce)
    assert roles["tf.inbound.PK-FIA"] == Role("inbound", "PK-FIA", TOPICS)
    for name in ("verified", "alerts", "incidents", "quarantine", "deadletter", "keys"):
        assert f"tf.{name}" in roles
    assert "tf.audit-events" in roles
    assert "tf.audit" not in roles  # never reads its own output


def test_a_received_alert_is_named_by_its_key_and_digest_without_decoding_the_payload() -> None:
    signed = sign_alert(sample_datum("PK-FIA", 1), FIA, TOPICS)
    event = derive(
        _record(signed.topic, signed.value, signed.key), Role("inbound", "PK-FIA"), TRUST
    )
    assert event is not None
    assert event.kind == audit.RECEIVED
    assert event.subject == {
        "agency": "PK-FIA",
        "alert": signed.key.decode(),
        "message_id": signed.header.message_id,
        "digest": hashlib.sha256(signed.value).hexdigest(),
    }
    assert event.at == 1_700_000_000_000


@pytest.mark.parametrize("value", [None, b"", b"garbage", b"CRD\x01\xff\xff"])
def test_a_malformed_inbound_record_is_still_received(value: bytes | None) -> None:
    event = derive(_record("tf.inbound.PK-FIA", value, b"\xff\x00key"), Role("inbound", "X"), None)
    assert event is not None and event.kind == audit.RECEIVED
    assert event.subject["malformed"] == "not an envelope"
    audit.canonical(event.subject)  # chainable whatever the bytes


def test_a_quarantine_record_names_stage_reason_and_the_rejected_bytes() -> None:
    source = SourceRecord("tf.inbound.PK-FIA", 1, 9, b"PK-FIA:A-1", b"forged", [])
    value = quarantine_record(
        source, stage="verify", reason="bad_signature", detail="x", at=now_ms()
    )
    event = derive(_record("tf.quarantine", value, b"PK-FIA:A-1"), Role("quarantine"), None)
    assert event is not None
    assert event.subject == {
        "stage": "verify",
        "reason": "bad_signature",
        "source_topic": "tf.inbound.PK-FIA",
        "source_partition": 1,
        "source_offset": 9,
        "digest": hashlib.sha256(b"forged").hexdigest(),
        "alert": "PK-FIA:A-1",
    }
    broken = derive(_record("tf.quarantine", b"{}", b"k"), Role("quarantine"), None)
    assert broken is not None and broken.subject["malformed"] == "not a quarantine record"


def test_a_receipt_is_verified_before_it_counts() -> None:
    datum = receipt_datum(
        delivery_id="d-1", message_id="m-1", origin="PK-FIA", recipient="GR-HCG",
        status=VERIFIED, at=now_ms(),
    )  # fmt: skip
    signed = sign_receipt(datum, HCG, TOPICS)
    role = Role("receipts", "GR-HCG", TOPICS)
    good = derive(
        _record(signed.topic, signed.value, signed.key, headers=signed.headers), role, TRUST
    )
    assert good is not None
    assert (good.kind, good.subject["status"], good.subject["delivery"]) == (
        audit.RECEIPTED,
        VERIFIED,
        "d-1",
    )
    forged = sign_receipt(datum, FIA, TOPICS)  # FIA's key, GR-HCG's name
    bad = derive(
        _record(signed.topic, forged.value, forged.key, headers=forged.headers), role, TRUST
    )
    assert bad is not None
    assert "status" not in bad.subject and bad.subject["reason"] == "unknown_key"


def test_a_process_event_keeps_only_audit_fields() -> None:
    value = dedupe_drop_event(
        key=b"PK-FIA:A-1", value=b"v", revision=2, decision=Decision.STALE,
        topic="tf.verified", partition=0, offset=3, at_ms=5, message_id="m",
    )  # fmt: skip
    event = derive(_record("tf.audit-events", value), Role("audit-events"), None)
    assert event is not None
    assert (event.kind, event.at, event.subject["decision"]) == (
        audit.DROPPED_DUPLICATE,
        5,
        "stale",
    )
    sneaky = json.loads(value)
    sneaky["subject"]["narrative"] = "alert content"
    event = derive(
        _record("tf.audit-events", json.dumps(sneaky).encode()), Role("audit-events"), None
    )
    assert event is not None and "narrative" not in event.subject
    junk = derive(_record("tf.audit-events", b"[1]"), Role("audit-events"), None)
    assert junk is not None and junk.kind == audit.QUARANTINED


def _chain(*events: tuple[str, int, dict[str, Any]]) -> list[audit.AuditRecord]:
    records, prev = [], audit.GENESIS
    for seq, (kind, at, subject) in enumerate(events, 1):
        record = audit.seal_record(seq, prev, at, kind, subject)
        records.append(record)
        prev = record.hash
    return records


def test_trace_joins_by_alert_digest_delivery_and_incident() -> None:
    records = _chain(
        (audit.RECEIVED, 1000, {"agency": "PK-FIA", "alert": "PK-FIA:odd-key", "digest": "d1"}),
        (audit.VERIFIED, 1200, {"alert": "PK-FIA:A-1", "revision": 1, "digest": "d1"}),
        (audit.RECEIVED, 1100, {"agency": "PK-FIA", "alert": "PK-FIA:B-2", "digest": "d9"}),
        (audit.CORRELATED, 1500, {"incident": "INC-1", "alerts": ["PK-FIA:A-1", "TR-SG:X"]}),
        (audit.DELIVERED, 1300, {"agency": "GR-HCG", "delivery": "D1", "alert": "PK-FIA:A-1"}),
        (audit.DELIVERED, 1600, {"agency": "TR-SG", "delivery": "D2", "incident": "INC-1"}),
        (audit.RECEIPTED, 1700, {"agency": "GR-HCG", "delivery": "D1", "status": "VERIFIED"}),
        (audit.RECEIPTED, 1800, {"agency": "TR-SG", "delivery": "D9", "status": "VERIFIED"}),
    )
    steps = audit_trace.trace(records, audit_trace.resolve_alert(records, "A-1"))
    assert [s.record.seq for s in steps] == [1, 2, 5, 4, 6, 7]
    assert [s.since_received_ms for s in steps] == [0, 200, 300, 500, 600, 700]
    lines = [audit_trace.format_step(s) for s in steps]
    assert lines[0].startswith("1970-01-01T00:00:01.000Z     +0.000s  received from PK-FIA")
    assert lines[4].endswith("incident INC-1 delivered to TR-SG (delivery D2)")
    assert lines[5].endswith("receipted by GR-HCG: VERIFIED (delivery D1)")


def test_an_unknown_or_ambiguous_alert_is_an_error() -> None:
    records = _chain(
        (audit.VERIFIED, 1, {"alert": "PK-FIA:A-1"}), (audit.VERIFIED, 2, {"alert": "TR-SG:A-1"})
    )
    with pytest.raises(audit_trace.UnknownAlert, match="ambiguous: PK-FIA:A-1, TR-SG:A-1"):
        audit_trace.resolve_alert(records, "A-1")
    with pytest.raises(audit_trace.UnknownAlert, match="no audit record names"):
        audit_trace.resolve_alert(records, "B-2")
    assert audit_trace.resolve_alert(records, "TR-SG:A-1") == "TR-SG:A-1"


def test_an_inbox_copy_is_a_delivery_to_that_agency() -> None:
    signed = sign_alert(sample_datum("PK-FIA", 2), FIA, TOPICS)
    headers = [*signed.headers, (HEADER_DELIVERY_ID, b"D-7")]
    record = _record("tf.inbox.GR-HCG", signed.value, signed.key, headers=headers)
    event = derive(record, Role("inbox", "GR-HCG"), None)
    assert event is not None
    assert event.kind == audit.DELIVERED
    assert event.subject["agency"] == "GR-HCG"
    assert event.subject["delivery"] == "D-7"
    assert event.subject["item"] == "alert"
    assert event.subject["alert"] == signed.key.decode()

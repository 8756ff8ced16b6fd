"""The verification stage: verified alerts pass, everything else becomes a quarantine record."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from schemas import reasons
from schemas.freshness import FreshnessPolicy
from schemas.header_names import decode_name
from schemas.quarantine import SourceRecord
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import VerifiedAlert
from streams.metrics import StreamMetrics
from streams.verifier import Rejected, Verifier

#: Records are signed and checked at this instant: wall-clock time would make a check that
#: runs minutes after the module was imported see the record as from the future.
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _source(topic: str, value: bytes | None, headers: list[tuple[str, bytes]]) -> SourceRecord:
    return SourceRecord(topic=topic, partition=1, offset=7, key=b"k", value=value, headers=headers)


def test_verified_and_rejected_are_counted(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    registry = CollectorRegistry()
    verifier = Verifier(trust_store, topics, StreamMetrics.create(registry))
    record = sign_alert(alert, fia_key, topics, produced_at=NOW)
    assert isinstance(
        verifier.check(_source(record.topic, record.value, record.headers), NOW), VerifiedAlert
    )
    rejected = verifier.check(_source(record.topic, record.value[:-1], record.headers), NOW)
    assert isinstance(rejected, Rejected)
    tombstone = verifier.check(_source(record.topic, None, []), NOW)
    assert isinstance(tombstone, Rejected)
    sample = registry.get_sample_value
    assert sample("corridor_stream_received_total", {"agency": "PK-FIA"}) == 3
    assert sample("corridor_stream_verified_total", {"agency": "PK-FIA"}) == 1
    # Quarantine is counted by the inbound topic's agency: a claimed originator proves nothing.
    quarantined = {"stage": "verify", "reason": "malformed_envelope", "agency": "PK-FIA"}
    assert sample("corridor_stream_quarantined_total", quarantined) == 1
    # A tombstone has its own reason at the hub (recipients' verifiers say malformed_envelope).
    tombstones = {"stage": "verify", "reason": "tombstone", "agency": "PK-FIA"}
    assert sample("corridor_stream_quarantined_total", tombstones) == 1
    latency = "corridor_stream_publish_to_verified_seconds_count"
    assert sample(latency, {"agency": "PK-FIA"}) == 1


def test_quarantine_record_keeps_the_original_bytes_and_reason(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    verifier = Verifier(trust_store, topics, StreamMetrics.create(CollectorRegistry()))
    record = sign_alert(alert, fia_key, topics, produced_at=NOW)
    bad = record.value[:-1] + bytes([record.value[-1] ^ 1])
    rejected = verifier.check(_source(record.topic, bad, record.headers), NOW)
    assert isinstance(rejected, Rejected)
    document = json.loads(rejected.quarantine_value)
    assert document["format"] == "corridor-quarantine/1"
    assert document["reason"] == "bad_signature"
    assert base64.b64decode(document["value_b64"]) == bad
    assert document["source"]["offset"] == 7
    assert document["source"]["headers"][1] == [
        "corridor-kind",
        base64.b64encode(b"alert").decode(),
    ]


def test_a_verified_alert_that_arrives_too_late_or_too_early_is_quarantined(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    registry = CollectorRegistry()
    verifier = Verifier(
        trust_store, topics, StreamMetrics.create(registry), FreshnessPolicy(600, 60)
    )
    signed_at = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    record = sign_alert(alert, fia_key, topics, produced_at=signed_at)
    source = _source(record.topic, record.value, record.headers)
    assert isinstance(verifier.check(source, signed_at + dt.timedelta(seconds=600)), VerifiedAlert)
    late = verifier.check(source, signed_at + dt.timedelta(seconds=601))
    early = verifier.check(source, signed_at - dt.timedelta(seconds=61))
    assert isinstance(late, Rejected) and late.reason == reasons.STALE_MESSAGE
    assert isinstance(early, Rejected) and early.reason == reasons.FUTURE_MESSAGE
    # A forgery is reported as a forgery, however old its claimed produce time.
    forged = _source(
        record.topic, record.value[:-1] + bytes([record.value[-1] ^ 1]), record.headers
    )
    bad = verifier.check(forged, signed_at + dt.timedelta(days=30))
    assert isinstance(bad, Rejected) and bad.reason == reasons.BAD_SIGNATURE


def test_a_replay_is_quarantined_with_its_own_reason(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    verifier = Verifier(trust_store, topics, StreamMetrics.create(CollectorRegistry()))
    record = sign_alert(alert, fia_key, topics)
    rejected = verifier.reject(
        _source(record.topic, record.value, record.headers), reasons.REPLAYED, "seen before"
    )
    assert rejected.reason == reasons.REPLAYED
    assert json.loads(rejected.quarantine_value)["reason"] == "replayed"


def test_a_replayed_record_is_counted_as_received_once(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    """Every record read counts once in corridor_stream_received_total, replays included."""
    from streams.verify_stage import replayed

    registry = CollectorRegistry()
    verifier = Verifier(trust_store, topics, StreamMetrics.create(registry))
    record = sign_alert(alert, fia_key, topics, produced_at=NOW)
    first = _source(record.topic, record.value, record.headers)
    assert isinstance(verifier.check(first, NOW), VerifiedAlert)
    again = SourceRecord(record.topic, 1, 8, b"k", record.value, record.headers)
    rejected = replayed(verifier, again, record.headers)
    assert rejected.reason == reasons.REPLAYED
    sample = registry.get_sample_value
    assert sample("corridor_stream_received_total", {"agency": "PK-FIA"}) == 2
    replayed = {"stage": "verify", "reason": "replayed", "agency": "PK-FIA"}
    assert sample("corridor_stream_quarantined_total", replayed) == 1


def test_a_genuine_alert_with_a_header_name_that_is_not_utf8_is_quarantined_as_such(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    """The Kafka clients hand such a name over decoded with surrogateescape: it is refused
    before anything else, and its quarantine record is valid UTF-8 JSON naming its bytes."""
    verifier = Verifier(trust_store, topics, StreamMetrics.create(CollectorRegistry()))
    record = sign_alert(alert, fia_key, topics, produced_at=NOW)
    name = decode_name(b"\xff\xfe-x")
    rejected = verifier.check(
        _source(record.topic, record.value, [*record.headers, (name, b"v")]), NOW
    )
    assert isinstance(rejected, Rejected)
    assert rejected.reason == reasons.UNDECODABLE_HEADER
    document = json.loads(rejected.quarantine_value.decode("utf-8"))
    assert "fffe2d78" in document["detail"]
    assert document["source"]["headers"][-1][0] == "\\xff\\xfe-x"

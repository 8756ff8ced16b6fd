"""The verification stage: verified alerts pass, everything else becomes a quarantine record."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from schemas.quarantine import SourceRecord
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import VerifiedAlert
from streams.metrics import StreamMetrics
from streams.verifier import Rejected, Verifier


def _source(topic: str, value: bytes | None, headers: list[tuple[str, bytes]]) -> SourceRecord:
    return SourceRecord(topic=topic, partition=1, offset=7, key=b"k", value=value, headers=headers)


def test_verified_and_rejected_are_counted(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    registry = CollectorRegistry()
    verifier = Verifier(trust_store, topics, StreamMetrics.create(registry))
    record = sign_alert(alert, fia_key, topics)
    assert isinstance(
        verifier.check(_source(record.topic, record.value, record.headers)), VerifiedAlert
    )
    rejected = verifier.check(_source(record.topic, record.value[:-1], record.headers))
    assert isinstance(rejected, Rejected)
    tombstone = verifier.check(_source(record.topic, None, []))
    assert isinstance(tombstone, Rejected)
    sample = registry.get_sample_value
    assert sample("corridor_stream_received_total", {"agency": "PK-FIA"}) == 3
    assert sample("corridor_stream_verified_total", {"agency": "PK-FIA"}) == 1
    assert (
        sample(
            "corridor_stream_quarantined_total", {"stage": "verify", "reason": "malformed_envelope"}
        )
        == 2
    )


def test_quarantine_record_keeps_the_original_bytes_and_reason(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    verifier = Verifier(trust_store, topics, StreamMetrics.create(CollectorRegistry()))
    record = sign_alert(alert, fia_key, topics)
    bad = record.value[:-1] + bytes([record.value[-1] ^ 1])
    rejected = verifier.check(_source(record.topic, bad, record.headers))
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

"""Each verification step rejects with its own reason code, in the documented order."""

from __future__ import annotations

import dataclasses
import struct
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import alert_schema
from schemas.codec import SINGLE_OBJECT_MAGIC, encode_single_object
from schemas.envelope import MAGIC, SIGNATURE_LEN, EnvelopeHeader, seal
from schemas.errors import VerifyError
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import verify_alert


def _reason(value: bytes, header: EnvelopeHeader, store: TrustStore, topics: TopicNames) -> str:
    with pytest.raises(VerifyError) as info:
        verify_alert(value, header.record_headers(), store, topics, read_topic=header.topic)
    return info.value.reason


def _genuine(alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames) -> EnvelopeHeader:
    return sign_alert(alert, key, topics).header


def test_malformed_header(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    header = _genuine(alert, fia_key, topics)
    garbage = b"\xff\xff"
    value = MAGIC + struct.pack(">H", 2) + garbage + struct.pack(">I", 0) + b"\x00" * SIGNATURE_LEN
    assert _reason(value, header, trust_store, topics) == reasons.MALFORMED_HEADER


def test_wrong_kind(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    header = dataclasses.replace(_genuine(alert, fia_key, topics), kind="incident")
    value = seal(header, encode_single_object(alert_schema(), alert), fia_key)
    assert _reason(value, header, trust_store, topics) == reasons.WRONG_KIND


def test_schema_mismatch_between_header_and_payload(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    header = dataclasses.replace(_genuine(alert, fia_key, topics), schema_fingerprint=b"\x01" * 8)
    value = seal(header, encode_single_object(alert_schema(), alert), fia_key)
    assert _reason(value, header, trust_store, topics) == reasons.SCHEMA_MISMATCH


def test_unknown_schema(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    unknown = b"\x02" * 8
    header = dataclasses.replace(_genuine(alert, fia_key, topics), schema_fingerprint=unknown)
    payload = SINGLE_OBJECT_MAGIC + unknown + b"\x00"
    assert _reason(seal(header, payload, fia_key), header, trust_store, topics) == (
        reasons.UNKNOWN_SCHEMA
    )


def test_malformed_payload(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    header = _genuine(alert, fia_key, topics)
    payload = SINGLE_OBJECT_MAGIC + alert_schema().fingerprint + b"\x99\x99\x99"
    assert _reason(seal(header, payload, fia_key), header, trust_store, topics) == (
        reasons.MALFORMED_PAYLOAD
    )


def test_invalid_alert_signed_by_a_partner_that_skipped_validation(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    header = _genuine(alert, fia_key, topics)
    alert["route"][0]["lat"] = 123.0
    value = seal(header, encode_single_object(alert_schema(), alert), fia_key)
    assert _reason(value, header, trust_store, topics) == reasons.INVALID_ALERT


def test_agency_mismatch_between_signer_and_alert(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    header = _genuine(alert, fia_key, topics)
    alert["agency"] = "TR-SG"
    value = seal(header, encode_single_object(alert_schema(), alert), fia_key)
    assert _reason(value, header, trust_store, topics) == reasons.AGENCY_MISMATCH


def test_every_reason_code_is_exercised_by_some_test() -> None:
    from pathlib import Path

    text = "".join(p.read_text("utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    names = {name for name in dir(reasons) if name.isupper() and name != "ALL"}
    missing = [n for n in names if f"reasons.{n}" not in text]
    assert missing == []

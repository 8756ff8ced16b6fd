"""Delivery strips personal data per recipient; the inbox client shows what it may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from consumers.delivery.plan import plan_delivery
from consumers.inbox.check import check_delivery
from schemas import personal_data as pd
from schemas import reasons
from schemas.catalog import personal_data_schema
from schemas.json_mapping import from_json, to_json
from schemas.keys import encryption_key_id
from schemas.signing import SignedRecord, sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

CANARY = "Canary-Delivery-41d2"
PERSONAL = from_json(
    personal_data_schema().schema,
    {"persons": [{"role": "WITNESS", "full_name": CANARY, "nationality": "SY"}]},
)
KEYS = {agency: X25519PrivateKey.generate() for agency in ("GR-HCG", "TR-SG")}
KEY_IDS = {agency: {encryption_key_id(k.public_key())} for agency, k in KEYS.items()}


def _taskforce(topics: TopicNames) -> TaskForce:
    members = (
        Member("PK-FIA", "PK-FIA", "investigation_agency", publishes=True, receives=True),
        Member("TR-SG", "TR-SG", "coast_guard", publishes=True, receives=True),
        Member("GR-HCG", "GR-HCG", "coast_guard", True, True, personal_data=True),
    )
    return TaskForce("t", topics, Path("trust.json"), members)


def _sealed_record(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> SignedRecord:
    # Sealed to both (a mistaken originator): the hub must still keep TR-SG from it.
    recipients = [pd.RecipientKey.of(k.public_key()) for k in KEYS.values()]
    return sign_alert(alert, fia_key, topics, personal_data=PERSONAL, recipients=recipients)


def test_only_the_cleared_recipient_gets_the_attachment_with_only_its_wrap(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    record = _sealed_record(alert, fia_key, topics)
    plan = plan_delivery(record.key, record.value, record.headers, _taskforce(topics), KEY_IDS)
    writes = {w.recipient: w for w in plan.writes}
    assert set(writes) == {"TR-SG", "GR-HCG"}
    assert pd.attachment_of(writes["TR-SG"].headers) is None
    attachment = pd.attachment_of(writes["GR-HCG"].headers)
    assert attachment is not None
    wraps = pd.decode_attachment(attachment)["wraps"]
    assert [w["key_id"] for w in wraps] == sorted(KEY_IDS["GR-HCG"])
    for write in plan.writes:
        assert write.value == record.value
        assert all(CANARY.encode() not in v for _, v in write.headers)


def test_the_cleared_recipient_decrypts_and_the_other_sees_it_redacted(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
) -> None:
    record = _sealed_record(alert, fia_key, topics)
    plan = plan_delivery(record.key, record.value, record.headers, _taskforce(topics), KEY_IDS)
    writes = {w.recipient: w for w in plan.writes}
    views = {
        agency: check_delivery(
            writes[agency].value,
            writes[agency].headers,
            trust_store,
            topics,
            decryption_key=KEYS[agency],
        )
        for agency in writes
    }
    assert views["GR-HCG"].verified and views["TR-SG"].verified
    assert views["GR-HCG"].document["alert"]["personal_data"] == to_json(PERSONAL)
    assert views["TR-SG"].document["alert"]["personal_data"] == pd.REDACTED
    without_key = check_delivery(
        writes["GR-HCG"].value, writes["GR-HCG"].headers, trust_store, topics
    )
    assert without_key.document["alert"]["personal_data"] == pd.ENCRYPTED
    stranger = check_delivery(
        writes["GR-HCG"].value,
        writes["GR-HCG"].headers,
        trust_store,
        topics,
        decryption_key=X25519PrivateKey.generate(),
    )
    assert stranger.document["alert"]["personal_data"] == pd.NOT_CLEARED


def test_a_cleared_recipient_without_a_registered_key_gets_no_attachment(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    record = _sealed_record(alert, fia_key, topics)
    plan = plan_delivery(record.key, record.value, record.headers, _taskforce(topics))
    assert all(pd.attachment_of(w.headers) is None for w in plan.writes)


def test_a_tampered_delivery_is_rejected_at_the_recipient(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
) -> None:
    record = _sealed_record(alert, fia_key, topics)
    plan = plan_delivery(record.key, record.value, record.headers, _taskforce(topics), KEY_IDS)
    write = next(w for w in plan.writes if w.recipient == "GR-HCG")
    attachment = pd.decode_attachment(pd.attachment_of(write.headers) or b"")
    attachment["ciphertext"] = (
        bytes([attachment["ciphertext"][0] ^ 1]) + attachment["ciphertext"][1:]
    )
    headers = [(n, v) for n, v in write.headers if n != pd.HEADER]
    headers.append((pd.HEADER, pd.encode_attachment(attachment)))
    item = check_delivery(write.value, headers, trust_store, topics, decryption_key=KEYS["GR-HCG"])
    assert not item.verified
    assert item.document["reason"] == reasons.PERSONAL_DATA_MISMATCH
    assert CANARY not in item.document["detail"]


def test_an_alert_without_personal_data_shows_null(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
) -> None:
    record = sign_alert(alert, fia_key, topics)
    item = check_delivery(record.value, record.headers, trust_store, topics)
    assert item.document["alert"]["personal_data"] is None

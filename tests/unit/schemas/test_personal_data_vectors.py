"""The published personal-data vectors: reproducible, each step recomputed from first principles.

The recomputation uses only the primitives the wire-format document names (X25519,
HKDF-SHA256, AES-256-GCM, SHA-256, HMAC-SHA256) on the published inputs, not the
reference implementation's helpers, so it checks the document as much as the code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from consumers.inbox.check import check_delivery
from schemas import envelope_vectors, reasons, vectorgen
from schemas.catalog import personal_data_schema
from schemas.codec import encode_binary
from schemas.envelope import open_envelope
from schemas.errors import VerifyError
from schemas.json_mapping import from_json
from schemas.topics import TopicNames
from schemas.truststore import parse_trust_store
from schemas.verification import verify_alert

VECTORS: dict[str, Any] = json.loads(vectorgen.PERSONAL_DATA_VECTORS_PATH.read_text("utf-8"))
STORE = parse_trust_store(VECTORS["trust_store"])
TOPICS = TopicNames("corridor")
SEAL = VECTORS["seal"]
RECORD = VECTORS["record"]


def _hex(name: str, where: dict[str, Any] = SEAL) -> bytes:
    return bytes.fromhex(where[name])


def _headers(entries: list[list[str]]) -> list[tuple[str, bytes]]:
    return [(name, bytes.fromhex(value)) for name, value in entries]


def _private(agency: str) -> X25519PrivateKey:
    entry = next(r for r in VECTORS["recipients"] if r["agency"] == agency)
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(entry["private_key_hex"]))


def test_vectors_file_is_what_the_generator_produces() -> None:
    assert vectorgen.PERSONAL_DATA_VECTORS_PATH.read_text("utf-8") == (
        vectorgen.render_personal_data()
    )


def test_plaintext_aad_and_ciphertext_follow_the_document() -> None:
    datum = from_json(personal_data_schema().schema, SEAL["personal_data"])
    assert encode_binary(personal_data_schema(), datum) == _hex("plaintext_hex")
    label = f"{SEAL['agency']}:{SEAL['alert_id']}:{SEAL['revision']}".encode()
    aad = b"corridor/personal-data/v1\x00" + label
    assert aad == _hex("aad_hex")
    ciphertext = AESGCM(_hex("content_key_hex")).encrypt(
        _hex("nonce_hex"), _hex("plaintext_hex"), aad
    )
    assert ciphertext == _hex("ciphertext_hex")
    assert hashlib.sha256(ciphertext).digest() == _hex("ciphertext_sha256_hex")
    commitment = hmac.new(
        _hex("content_key_hex"), b"corridor/personal-data/v1 key commitment", hashlib.sha256
    ).digest()
    assert commitment == _hex("key_commitment_hex")


@pytest.mark.parametrize("index", [0, 1])
def test_each_wrap_follows_the_document(index: int) -> None:
    wrap = SEAL["wraps"][index]
    recipient = next(r for r in VECTORS["recipients"] if r["agency"] == wrap["recipient"])
    recipient_public = bytes.fromhex(recipient["public_key_hex"])
    assert hashlib.sha256(recipient_public).hexdigest()[:16] == wrap["key_id"]
    ephemeral = X25519PrivateKey.from_private_bytes(_hex("ephemeral_private_hex", wrap))
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    assert shared == _hex("shared_secret_hex", wrap)
    # The recipient derives the same secret from its private key and the ephemeral public key.
    ephemeral_public = _hex("ephemeral_public_hex", wrap)
    mine = _private(wrap["recipient"]).exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    assert mine == shared
    salt = ephemeral_public + recipient_public
    assert salt == _hex("hkdf_salt_hex", wrap)
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"corridor/personal-data/v1 wrap"
    ).derive(shared)
    assert key == _hex("wrap_key_hex", wrap)
    wrapped = _hex("wrapped_key_hex", wrap)
    assert AESGCM(key).encrypt(bytes(12), _hex("content_key_hex"), None) == wrapped
    assert AESGCM(key).decrypt(bytes(12), wrapped, None) == _hex("content_key_hex")


def test_the_signed_record_carries_the_commitment_and_the_attachment_header() -> None:
    headers = _headers(RECORD["headers"])
    assert headers[-1] == (VECTORS["header"], _hex("attachment_hex"))
    verified = verify_alert(
        bytes.fromhex(RECORD["value_hex"]), headers, STORE, TOPICS, read_topic=RECORD["topic"]
    )
    commitment = verified.alert["personal_data"]
    assert commitment["nonce"] == _hex("nonce_hex")
    assert commitment["ciphertext_sha256"] == _hex("ciphertext_sha256_hex")
    assert commitment["key_commitment"] == _hex("key_commitment_hex")
    assert {k: v.hex() for k, v in commitment.items()} == RECORD["expected_commitment"]
    payload = open_envelope(bytes.fromhex(RECORD["value_hex"])).payload
    assert payload[2:10].hex() == VECTORS["alert_schema_fingerprint_hex"]


def test_the_attachment_layout_is_single_object_encoding() -> None:
    attachment = _hex("attachment_hex")
    assert attachment[:2] == b"\xc3\x01"
    assert attachment[2:10].hex() == VECTORS["attachment_schema_fingerprint_hex"]
    # body: ciphertext as Avro bytes, then one block of two wraps, then the end marker
    assert _hex("ciphertext_hex") in attachment
    for wrap in SEAL["wraps"]:
        part = (
            bytes([32])
            + wrap["key_id"].encode()
            + _hex("ephemeral_public_hex", wrap)
            + _hex("wrapped_key_hex", wrap)
        )
        assert part in attachment
    assert attachment.endswith(b"\x00")


@pytest.mark.parametrize("delivery", VECTORS["deliveries"], ids=lambda d: d["recipient"])
def test_each_delivery_shows_what_its_recipient_may_see(delivery: dict[str, Any]) -> None:
    recipient = delivery["recipient"]
    key = _private(recipient) if delivery["cleared"] else X25519PrivateKey.generate()
    item = check_delivery(
        bytes.fromhex(RECORD["value_hex"]),
        _headers(delivery["headers"]),
        STORE,
        TOPICS,
        decryption_key=key,
    )
    assert item.verified, item.document
    expected = delivery["expected_personal_data"]
    shown = item.document["alert"]["personal_data"]
    if isinstance(expected, dict):
        assert shown == from_json(personal_data_schema().schema, expected)
    else:
        assert shown == expected
    names = [n for n, _ in _headers(delivery["headers"])]
    assert names.count(VECTORS["header"]) == (1 if delivery["cleared"] else 0)


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_personal_data_vectors_are_rejected(vector: dict[str, Any]) -> None:
    headers = _headers(vector["headers"])
    value = bytes.fromhex(vector["value_hex"])
    assert vector["expected_reason"] == reasons.PERSONAL_DATA_MISMATCH
    if vector["read_topic"] is not None:  # the hub, reading the inbound topic
        with pytest.raises(VerifyError) as info:
            verify_alert(value, headers, STORE, TOPICS, read_topic=vector["read_topic"])
        assert info.value.reason == vector["expected_reason"]
    else:  # the recipient, with its decryption key
        key = _private(vector["decryption_key_of"])
        item = check_delivery(value, headers, STORE, TOPICS, decryption_key=key)
        assert not item.verified
        assert item.document["reason"] == vector["expected_reason"]


def test_the_wire_format_document_states_the_current_schemas_and_constants() -> None:
    from pathlib import Path

    from schemas import personal_data as pd
    from schemas.catalog import alert_schema, attachment_schema
    from schemas.fingerprint import canonical_form

    doc = (Path(__file__).parents[3] / "docs" / "wire-format.md").read_text("utf-8")
    for info in (alert_schema(), personal_data_schema(), attachment_schema()):
        assert canonical_form(info.source) in doc, info.fullname
        assert info.fingerprint.hex(" ") in doc, info.fullname
    assert pd.AAD_CONTEXT.hex(" ") in doc
    assert f"`{pd.WRAP_INFO.decode()}`" in doc
    assert f"`{pd.KEY_COMMITMENT_TEXT.decode()}`" in doc
    assert f"`{pd.HEADER}`" in doc
    for recipient in VECTORS["recipients"]:
        assert recipient["key_id"] in doc
    assert SEAL["ciphertext_sha256_hex"] in doc.replace(" ", "")


def test_a_producer_reproduces_the_signed_record_from_the_vector_alone() -> None:
    """record.alert, produced_at and message_id plus seal's fixed randomness give the bytes."""
    import datetime as dt

    from schemas import personal_data as pd
    from schemas.json_mapping import alert_from_json
    from schemas.keys import encryption_key_id
    from schemas.signing import sign_alert

    alert, personal = alert_from_json(RECORD["alert"])
    recipients = [
        pd.RecipientKey.of(_private(r["agency"]).public_key()) for r in VECTORS["recipients"]
    ]
    assert [r.key_id for r in recipients] == [w["key_id"] for w in SEAL["wraps"]]
    assert all(encryption_key_id(r.public_key) == r.key_id for r in recipients)
    record = sign_alert(
        alert,
        envelope_vectors._key(alert["agency"]),
        TOPICS,
        personal_data=personal,
        recipients=recipients,
        produced_at=dt.datetime.fromisoformat(RECORD["produced_at"]),
        message_id=RECORD["message_id"],
        seal_randomness=pd.SealRandomness(
            content_key=_hex("content_key_hex"),
            nonce=_hex("nonce_hex"),
            ephemeral_keys=tuple(
                X25519PrivateKey.from_private_bytes(bytes.fromhex(w["ephemeral_private_hex"]))
                for w in SEAL["wraps"]
            ),
        ),
    )
    assert record.value.hex() == RECORD["value_hex"]
    assert [[n, v.hex()] for n, v in record.headers] == RECORD["headers"]


@pytest.mark.parametrize("delivery", VECTORS["deliveries"], ids=lambda d: d["recipient"])
def test_each_delivery_carries_the_headers_the_hub_writes(delivery: dict[str, Any]) -> None:
    """The delivery service's own plan, from the alerts-topic record, gives these headers."""
    from pathlib import Path

    from consumers.delivery.plan import plan_delivery
    from consumers.delivery.routing import delivery_id
    from schemas.taskforce import Member, TaskForce

    members = (
        Member("PK-FIA", "PK-FIA", "investigation_agency", True, True, personal_data=True),
        *(
            Member(
                d["recipient"],
                d["recipient"],
                "coast_guard",
                True,
                True,
                personal_data=d["cleared"],
            )
            for d in VECTORS["deliveries"]
        ),
    )
    taskforce = TaskForce("t", TOPICS, Path("t.json"), members)
    key_ids = {r["agency"]: [r["key_id"]] for r in VECTORS["recipients"]}
    alerts_topic_headers = [*_headers(RECORD["headers"]), ("corridor-revision-status", b"new")]
    plan = plan_delivery(
        bytes.fromhex(RECORD["key_hex"]),
        bytes.fromhex(RECORD["value_hex"]),
        alerts_topic_headers,
        taskforce,
        key_ids,
    )
    write = next(w for w in plan.writes if w.recipient == delivery["recipient"])
    assert write.topic == delivery["topic"]
    assert [[n, v.hex()] for n, v in write.headers] == delivery["headers"]
    headers = dict(_headers(delivery["headers"]))
    assert headers["corridor-revision-status"] == b"new"
    assert headers["corridor-delivery-id"].decode() == delivery_id(
        delivery["recipient"], RECORD["message_id"]
    )

"""Builds the personal-data test vectors (``schemas/vectors/personal-data-v1.json``).

Every random value of sealing (content key, nonce, ephemeral keys) is fixed here, and
only here, so the output is reproducible byte for byte; ``python -m schemas.vectorgen``
writes this file next to the envelope vectors, and a test regenerates and compares it.
Each intermediate value is published, so a partner can debug its implementation step
by step.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas import personal_data as pd
from schemas import reasons
from schemas.catalog import alert_schema, attachment_schema, personal_data_schema
from schemas.codec import decode_single_object
from schemas.envelope import RecordHeaders, open_envelope
from schemas.json_mapping import alert_from_json, format_timestamp, to_json
from schemas.keys import encryption_key_id, raw_public_key
from schemas.message_vectors import delivery_id
from schemas.signing import SignedRecord, sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, dump_trust_store

#: Recipients' X25519 private keys (test keys: never deploy them).
RECIPIENT_SEEDS = {
    "GR-HCG": bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
    "EU-EUROPOL": bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
}
CONTENT_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
NONCE = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaab")
EPHEMERAL_SEEDS = (
    bytes.fromhex("c8a9d5a91091ad851c668b0736c1c9a02936c0d3ad62670858088047ba057475"),
    bytes.fromhex("e8a9d5a91091ad851c668b0736c1c9a02936c0d3ad62670858088047ba057455"),
)
ORIGINATOR = "PK-FIA"
NOT_CLEARED = "TR-SG"
MESSAGE_ID = "3e6c9c52-8d1f-4b8e-a2f4-6a1d0c7b9e23"

PERSONAL_DATA_JSON: dict[str, Any] = {
    "persons": [
        {
            "role": "VICTIM",
            "full_name": "Zahra Ahmadi",
            "date_of_birth": "2009",
            "nationality": "AF",
            "notes": "unaccompanied minor",
        },
        {"role": "WITNESS", "full_name": "زهرا احمدی", "document_number": "P1234567"},
    ]
}


def _recipient_keys() -> list[tuple[str, X25519PrivateKey]]:
    return [(a, X25519PrivateKey.from_private_bytes(s)) for a, s in RECIPIENT_SEEDS.items()]


def _headers_hex(headers: RecordHeaders) -> list[list[str]]:
    return [[name, value.hex()] for name, value in headers]


def _alert_json(alert_id: str) -> dict[str, Any]:
    from schemas.envelope_vectors import (
        _alert_json as envelope_alert,  # the envelope vectors' alert
    )

    return {**envelope_alert(ORIGINATOR, alert_id), "personal_data": PERSONAL_DATA_JSON}


def _sign(
    alert_json: dict[str, Any], signing_key: Ed25519PrivateKey, topics: TopicNames
) -> SignedRecord:
    from schemas.envelope_vectors import PRODUCED_AT

    alert, personal = alert_from_json(alert_json)
    recipients = [pd.RecipientKey.of(k.public_key()) for _, k in _recipient_keys()]
    return sign_alert(
        alert,
        signing_key,
        topics,
        personal_data=personal,
        recipients=recipients,
        produced_at=PRODUCED_AT,
        message_id=MESSAGE_ID,
        seal_randomness=pd.SealRandomness(
            content_key=CONTENT_KEY,
            nonce=NONCE,
            ephemeral_keys=tuple(X25519PrivateKey.from_private_bytes(s) for s in EPHEMERAL_SEEDS),
        ),
    )


def _steps(alert: dict[str, Any], record: SignedRecord) -> dict[str, Any]:
    """Every intermediate value of sealing, recomputed independently of ``pd.seal``."""
    _, personal = alert_from_json({**_alert_json(alert["alert_id"])})
    assert personal is not None
    plaintext = pd.encode_plaintext(personal)
    aad = pd.associated_data(alert["agency"], alert["alert_id"], alert["revision"])
    ciphertext = AESGCM(CONTENT_KEY).encrypt(NONCE, plaintext, aad)
    wraps = []
    for (agency, recipient), seed in zip(_recipient_keys(), EPHEMERAL_SEEDS, strict=True):
        ephemeral = X25519PrivateKey.from_private_bytes(seed)
        eph_pub = raw_public_key(ephemeral.public_key())
        rec_pub = raw_public_key(recipient.public_key())
        shared = ephemeral.exchange(recipient.public_key())
        key = pd.wrap_key(shared, eph_pub, rec_pub)
        wraps.append(
            {
                "recipient": agency,
                "key_id": encryption_key_id(recipient.public_key()),
                "ephemeral_private_hex": seed.hex(),
                "ephemeral_public_hex": eph_pub.hex(),
                "shared_secret_hex": shared.hex(),
                "hkdf_salt_hex": (eph_pub + rec_pub).hex(),
                "wrap_key_hex": key.hex(),
                "wrapped_key_hex": AESGCM(key).encrypt(pd.WRAP_NONCE, CONTENT_KEY, None).hex(),
            }
        )
    attachment = pd.attachment_of(record.headers)
    assert attachment is not None
    return {
        "personal_data": PERSONAL_DATA_JSON,
        "plaintext_hex": plaintext.hex(),
        "content_key_hex": CONTENT_KEY.hex(),
        "nonce_hex": NONCE.hex(),
        "aad_hex": aad.hex(),
        "ciphertext_hex": ciphertext.hex(),
        "ciphertext_sha256_hex": hashlib.sha256(ciphertext).hexdigest(),
        "key_commitment_hex": pd.key_commitment(CONTENT_KEY).hex(),
        "wraps": wraps,
        "attachment_hex": attachment.hex(),
    }


def _substituted_wrap(record: SignedRecord, victim: X25519PrivateKey) -> bytes:
    """The attachment with the victim's wrap replaced by a wrap of another content key."""
    attachment = pd.decode_attachment(pd.attachment_of(record.headers) or b"")
    forged = pd.seal(
        {"persons": [{"role": "MIGRANT", "full_name": "forged"}]},
        agency=ORIGINATOR,
        alert_id="x",
        revision=1,
        recipients=[pd.RecipientKey.of(victim.public_key())],
        randomness=pd.SealRandomness(
            content_key=bytes(range(32, 64)),
            nonce=NONCE,
            ephemeral_keys=(X25519PrivateKey.from_private_bytes(EPHEMERAL_SEEDS[0]),),
        ),
    )
    forged_wrap = pd.decode_attachment(forged.attachment)["wraps"][0]
    return pd.encode_attachment({"ciphertext": attachment["ciphertext"], "wraps": [forged_wrap]})


def _replace_attachment(headers: RecordHeaders, value: bytes | None) -> RecordHeaders:
    kept = [(n, v) for n, v in headers if n != pd.HEADER]
    return kept if value is None else [*kept, (pd.HEADER, value)]


def build(
    signing_keys: dict[str, Ed25519PrivateKey], topics: TopicNames, store: TrustStore
) -> dict[str, Any]:
    """The personal-data vectors document, signed with the envelope vectors' keys."""
    recipients = _recipient_keys()
    for agency, key in recipients:
        store = store.with_encryption_key(agency, agency, key.public_key())
    record = _sign(_alert_json("PK-FIA-2026-000044"), signing_keys[ORIGINATOR], topics)
    _, alert = decode_single_object(open_envelope(record.value).payload)
    attachment = pd.attachment_of(record.headers) or b""
    deliveries = []
    delivery_keys: list[tuple[str, X25519PrivateKey | None]] = [*recipients, (NOT_CLEARED, None)]
    for agency, maybe_key in delivery_keys:
        cleared = maybe_key is not None
        key_ids = [encryption_key_id(maybe_key.public_key())] if maybe_key is not None else []
        # As the hub delivers a first revision (wire format 12.1): the forwarded headers
        # in order with the attachment rewritten, the revision status, the delivery id.
        headers = [
            *pd.headers_for_recipient(record.headers, cleared=cleared, key_ids=key_ids),
            ("corridor-revision-status", b"new"),
            ("corridor-delivery-id", delivery_id(agency, MESSAGE_ID).encode()),
        ]
        deliveries.append(
            {
                "recipient": agency,
                "cleared": cleared,
                "topic": topics.inbox(agency),
                "headers": _headers_hex(headers),
                "expected_personal_data": PERSONAL_DATA_JSON if cleared else pd.REDACTED,
            }
        )
    flipped = bytearray(attachment)
    flipped[attachment.index(pd.decode_attachment(attachment)["ciphertext"]) + 5] ^= 0x01
    gr_key = recipients[0][1]
    invalid = [
        (
            "ciphertext-bit-flip",
            "one bit of the attachment's ciphertext flipped",
            topics.inbound(ORIGINATOR),
            _replace_attachment(record.headers, bytes(flipped)),
        ),
        (
            "attachment-stripped-on-inbound",
            "the alert commits to personal data but its inbound record has no attachment",
            topics.inbound(ORIGINATOR),
            _replace_attachment(record.headers, None),
        ),
        (
            "wrap-substituted",
            "GR-HCG's wrap replaced by a wrap of another content key (ciphertext unchanged)",
            None,
            _replace_attachment(record.headers, _substituted_wrap(record, gr_key)),
        ),
    ]
    return {
        "format": "corridor-personal-data-vectors/1",
        "description": "Personal data sealed to cleared recipients; see docs/wire-format.md 6.6",
        "header": pd.HEADER,
        "aad_context_hex": pd.AAD_CONTEXT.hex(),
        "wrap_info_hex": pd.WRAP_INFO.hex(),
        "key_commitment_text_hex": pd.KEY_COMMITMENT_TEXT.hex(),
        "alert_schema_fingerprint_hex": alert_schema().fingerprint.hex(),
        "personal_data_schema_fingerprint_hex": personal_data_schema().fingerprint.hex(),
        "attachment_schema_fingerprint_hex": attachment_schema().fingerprint.hex(),
        "recipients": [
            {
                "agency": agency,
                "private_key_hex": RECIPIENT_SEEDS[agency].hex(),
                "public_key_hex": raw_public_key(key.public_key()).hex(),
                "key_id": encryption_key_id(key.public_key()),
            }
            for agency, key in recipients
        ],
        "trust_store": dump_trust_store(store),
        "seal": {
            "agency": alert["agency"],
            "alert_id": alert["alert_id"],
            "revision": alert["revision"],
            **_steps(alert, record),
        },
        "record": {
            # What a producer needs to reproduce the signed record: the alert as written
            # (Corridor JSON, with personal_data in clear), produced_at and message_id.
            "alert": _alert_json(alert["alert_id"]),
            "produced_at": format_timestamp(record.header.produced_at),
            "message_id": record.header.message_id,
            "topic": record.topic,
            "key_hex": record.key.hex(),
            "headers": _headers_hex(record.headers),
            "value_hex": record.value.hex(),
            "expected_commitment": to_json(alert["personal_data"]),
        },
        "deliveries": deliveries,
        "invalid": [
            {
                "name": name,
                "description": description,
                "read_topic": read_topic,
                "decryption_key_of": "GR-HCG",
                "headers": _headers_hex(headers),
                "value_hex": record.value.hex(),
                "expected_reason": reasons.PERSONAL_DATA_MISMATCH,
            }
            for name, description, read_topic, headers in invalid
        ],
    }

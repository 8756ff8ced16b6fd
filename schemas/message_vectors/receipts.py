"""The receipt vectors: GR-HCG's receipt for envelope vector 1, and copies that must fail."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import receipt_schema
from schemas.json_mapping import from_json
from schemas.keys import key_id
from schemas.message_vectors.hub import HUB_PRODUCED_AT
from schemas.message_vectors.ids import delivery_id
from schemas.message_vectors.records import MustFail, _flip, _record_json, _resealed
from schemas.signing import SignedRecord, sign_receipt
from schemas.topics import TopicNames

RECEIPT_MESSAGE_ID = "e2b9c1d0-5a6f-4e7d-9c8b-7a6f5e4d3c2b"


def _receipt_json(alert: SignedRecord) -> dict[str, Any]:
    message_id = alert.header.message_id
    return {
        "delivery_id": delivery_id("GR-HCG", message_id),
        "message_id": message_id,
        "origin": "PK-FIA",
        "recipient": "GR-HCG",
        "status": "VERIFIED",
        "at": "2026-11-24T08:31:02.125Z",
        "note": None,
    }


def _receipt_vectors(
    topics: TopicNames, keys: dict[str, Ed25519PrivateKey], alert: SignedRecord
) -> dict[str, Any]:
    receipt_json = _receipt_json(alert)
    datum = from_json(receipt_schema().schema, receipt_json)

    def signed(body: dict[str, Any], key: Ed25519PrivateKey) -> SignedRecord:
        return sign_receipt(
            body, key, topics, produced_at=HUB_PRODUCED_AT, message_id=RECEIPT_MESSAGE_ID
        )

    good = signed(datum, keys["GR-HCG"])
    for_other = signed({**datum, "recipient": "PK-FIA"}, keys["GR-HCG"])
    # Signed by GR-HCG for its receipts topic, but the receipt speaks for PK-FIA.
    speaks_for_other = _resealed(
        for_other,
        keys["GR-HCG"],
        agency="GR-HCG",
        topic=topics.receipts("GR-HCG"),
        key_id=key_id(keys["GR-HCG"].public_key()),
    )
    other_topic = _resealed(good, keys["GR-HCG"], topic=topics.receipts("PK-FIA"))
    invalid = [
        MustFail(
            "signature-bit-flip",
            "one bit of the signature flipped",
            _flip(good.value, len(good.value) - 1),
            good.headers,
            reasons.BAD_SIGNATURE,
            {},
        ),
        MustFail(
            "other-receipts-topic",
            "GR-HCG signs its receipt for PK-FIA's receipts topic",
            *other_topic,
            reasons.WRONG_TOPIC,
            {},
        ),
        MustFail(
            "speaks-for-another-recipient",
            "GR-HCG signs a receipt whose recipient is PK-FIA",
            *speaks_for_other,
            reasons.AGENCY_MISMATCH,
            {},
        ),
    ]
    return {
        "valid": [
            {"name": "verified-receipt", **_record_json(good, "expected_receipt", receipt_json)}
        ],
        "invalid": [v.to_json() for v in invalid],
    }

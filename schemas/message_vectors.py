"""Test vectors of the hub's and recipients' envelopes: incidents, receipts, recall notices.

Written to ``schemas/vectors/messages-v1.json`` by ``python -m schemas.vectorgen``
(docs/wire-format.md section 13.2). Signed with the envelope vectors' agency keys and
a fixed test key of the hub; every valid vector is checked with the real verifier
(``schemas.verification``) and every must-fail vector fails there with its reason.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import alert_schema, incident_schema, recall_schema, receipt_schema
from schemas.codec import encode_single_object
from schemas.envelope import EnvelopeHeader, RecordHeaders, seal
from schemas.json_mapping import from_json, to_json
from schemas.keys import key_id, raw_public_key
from schemas.signing import SignedRecord, sign_incident, sign_recall, sign_receipt
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, dump_trust_store

HUB_ID = "TF-HUB"
#: The hub's test signing seed. **Test key; never deploy it.**
HUB_SEED = bytes.fromhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
HUB_PRODUCED_AT = dt.datetime(2026, 11, 24, 9, 0, 0, 500000, tzinfo=dt.UTC)
#: Namespace of the delivery id (wire format 12.1) and of a recall's message id (12.5).
DELIVERY_NAMESPACE = uuid.UUID("6c0c3e1e-3f2b-5b7e-9d0a-8f4f6f1c2a11")
RECALL_NAMESPACE = uuid.UUID("9e3f4c2a-7d1b-5a6e-8c40-2b9d7f1e6a53")


def hub_key() -> Ed25519PrivateKey:
    """The hub's test key."""
    return Ed25519PrivateKey.from_private_bytes(HUB_SEED)


def delivery_id(recipient: str, message_id: str) -> str:
    """Wire format 12.1, restated so the vectors do not lean on the delivery service."""
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{recipient}/{message_id}"))


def headers_hex(headers: RecordHeaders) -> list[list[str]]:
    """Record headers as ``[name, value hex]`` pairs."""
    return [[name, value.hex()] for name, value in headers]


def _record_json(record: SignedRecord, expected_name: str, expected: Any) -> dict[str, Any]:
    return {
        "topic": record.topic,
        "key_hex": record.key.hex(),
        "headers": headers_hex(record.headers),
        "value_hex": record.value.hex(),
        "expected_header": to_json(record.header.to_datum()),
        expected_name: expected,
    }


@dataclass(frozen=True)
class MustFail:
    """A record that must fail with ``reason``."""

    name: str
    description: str
    value: bytes
    headers: RecordHeaders
    reason: str
    extra: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The vector's JSON object."""
        return {
            "name": self.name,
            "description": self.description,
            **self.extra,
            "headers": headers_hex(self.headers),
            "value_hex": self.value.hex(),
            "expected_reason": self.reason,
        }


def _flip(value: bytes, at: int) -> bytes:
    flipped = bytearray(value)
    flipped[at] ^= 0x01
    return bytes(flipped)


def _resealed(
    record: SignedRecord,
    key: Ed25519PrivateKey,
    *,
    payload: bytes | None = None,
    **changes: Any,
) -> tuple[bytes, RecordHeaders]:
    """The record's header with ``changes`` (and maybe another payload), signed by ``key``."""
    from schemas.envelope import open_envelope

    envelope = open_envelope(record.value)
    header = EnvelopeHeader(**{**envelope.header.to_datum(), **changes})
    body = envelope.payload if payload is None else payload
    return seal(header, body, key), header.record_headers()


INCIDENT_JSON: dict[str, Any] = {
    "incident_id": "INC-3F0A9C21B7D4",
    "version": 1,
    "status": "ACTIVE",
    "merged_into": None,
    "members": [
        {"agency": "GR-HCG", "alert_id": "GR-HCG-2026-000007", "revision": 1},
        {"agency": "PK-FIA", "alert_id": "PK-FIA-2026-000042", "revision": 1},
    ],
    "agencies": ["GR-HCG", "PK-FIA"],
    "route": [
        {
            "place_name": "Jiwani",
            "country": "PK",
            "lat": 25.05,
            "lon": 61.75,
            "roles": ["DEPARTURE_POINT"],
            "reported_by": ["GR-HCG", "PK-FIA"],
        }
    ],
    "shared_indicators": [
        {"kind": "mmsi", "value": "463012345", "agencies": ["GR-HCG", "PK-FIA"]},
        {"kind": "phone", "value": "+923215550123", "agencies": ["GR-HCG", "PK-FIA"]},
    ],
    "first_seen": "2026-11-21T00:00:00Z",
    "last_seen": "2026-11-23T18:00:00Z",
    "confidence": 0.92,
    "explanation": "Same vessel MMSI and phone number reported by two agencies.",
    "tlp": "AMBER",
    "handling_code": "H2",
}

INCIDENT_MESSAGE_ID = "7a1c2e3f-4b5d-4c6e-8f70-819a2b3c4d5e"
RECEIPT_MESSAGE_ID = "e2b9c1d0-5a6f-4e7d-9c8b-7a6f5e4d3c2b"


def _incident_vectors(
    topics: TopicNames, keys: dict[str, Ed25519PrivateKey], alert: SignedRecord
) -> dict[str, Any]:
    datum = from_json(incident_schema().schema, INCIDENT_JSON)
    good = sign_incident(
        datum,
        hub_key(),
        topics,
        HUB_ID,
        produced_at=HUB_PRODUCED_AT,
        message_id=INCIDENT_MESSAGE_ID,
    )
    by_member = sign_incident(
        datum,
        keys["PK-FIA"],
        topics,
        "PK-FIA",
        produced_at=HUB_PRODUCED_AT,
        message_id=INCIDENT_MESSAGE_ID,
    )
    other_topic = _resealed(good, hub_key(), topic=topics.inbound(HUB_ID))
    alert_payload = encode_single_object(alert_schema(), _alert_datum_of(alert))
    with_alert = _resealed(
        good,
        hub_key(),
        payload=alert_payload,
        schema_name=alert_schema().fullname,
        schema_fingerprint=alert_schema().fingerprint,
    )
    invalid = [
        MustFail(
            "payload-bit-flip",
            "one bit of the incident payload flipped",
            _flip(good.value, len(good.value) - 64 - 12),
            good.headers,
            reasons.BAD_SIGNATURE,
            {},
        ),
        MustFail(
            "signed-by-a-member",
            "PK-FIA signs the incident as itself",
            by_member.value,
            by_member.headers,
            reasons.AGENCY_MISMATCH,
            {},
        ),
        MustFail(
            "other-topic",
            "the hub signs the incident for another topic",
            *other_topic,
            reasons.WRONG_TOPIC,
            {},
        ),
        MustFail(
            "alert-payload",
            "kind incident, but the hub signed an alert payload (a known schema of another kind)",
            *with_alert,
            reasons.SCHEMA_MISMATCH,
            {},
        ),
        MustFail(
            "an-alert",
            "an alert (envelope vector amber-boat-departure) given to the incident verifier",
            alert.value,
            alert.headers,
            reasons.WRONG_KIND,
            {},
        ),
    ]
    return {
        "valid": [
            {"name": "active-incident", **_record_json(good, "expected_incident", INCIDENT_JSON)}
        ],
        "invalid": [v.to_json() for v in invalid],
    }


def _alert_datum_of(record: SignedRecord) -> dict[str, Any]:
    from schemas.codec import decode_single_object
    from schemas.envelope import open_envelope

    return decode_single_object(open_envelope(record.value).payload)[1]


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


def recall_message_id(recalled_delivery_id: str) -> str:
    """Wire format 12.5: the notice's message id, the same for every issue."""
    return str(uuid.uuid5(RECALL_NAMESPACE, recalled_delivery_id))


def _recall_json(alert: SignedRecord, recipient: str) -> dict[str, Any]:
    header = alert.header
    return {
        "recalled_delivery_id": delivery_id(recipient, header.message_id),
        "recipient": recipient,
        "message_id": header.message_id,
        "origin": header.agency,
        "key_id": header.key_id,
        "alert_id": alert.alert_id,
        "revision": alert.revision,
        "produced_at": "2026-11-24T08:30:00.250Z",
        "compromised_at": "2026-11-24T08:00:00Z",
        "registry_version": 2,
        "reason": "key_compromised",
        "issued_at": "2026-11-24T10:15:00Z",
    }


def _recall_vectors(
    topics: TopicNames, keys: dict[str, Ed25519PrivateKey], alert: SignedRecord
) -> dict[str, Any]:
    recall_json = _recall_json(alert, "GR-HCG")
    datum = from_json(recall_schema().schema, recall_json)
    message_id = recall_message_id(recall_json["recalled_delivery_id"])

    def signed(body: dict[str, Any], key: Ed25519PrivateKey, signer: str) -> SignedRecord:
        return sign_recall(
            body, key, topics, signer, produced_at=HUB_PRODUCED_AT, message_id=message_id
        )

    good = signed(datum, hub_key(), HUB_ID)
    did = delivery_id("GR-HCG", message_id).encode()
    headers = [*good.headers, ("corridor-delivery-id", did)]
    by_member = signed(datum, keys["PK-FIA"], "PK-FIA")
    other_recipient = _resealed(
        signed({**datum, "recipient": "EU-EUROPOL"}, hub_key(), HUB_ID),
        hub_key(),
        topic=topics.inbox("GR-HCG"),
    )

    def reader(agency: str) -> Callable[[MustFail], MustFail]:
        def add(vector: MustFail) -> MustFail:
            return MustFail(
                vector.name,
                vector.description,
                vector.value,
                vector.headers,
                vector.reason,
                {"reader": agency},
            )

        return add

    invalid = [
        reader("EU-EUROPOL")(
            MustFail(
                "copied-into-another-inbox",
                "GR-HCG's genuine notice read by EU-EUROPOL (its inbox)",
                good.value,
                headers,
                reasons.WRONG_TOPIC,
                {},
            )
        ),
        reader("GR-HCG")(
            MustFail(
                "signed-by-a-member",
                "PK-FIA signs a recall notice",
                by_member.value,
                [*by_member.headers, ("corridor-delivery-id", did)],
                reasons.AGENCY_MISMATCH,
                {},
            )
        ),
        reader("GR-HCG")(
            MustFail(
                "names-another-recipient",
                "the hub signs, for GR-HCG's inbox, a notice whose recipient is EU-EUROPOL",
                other_recipient[0],
                [*other_recipient[1], ("corridor-delivery-id", did)],
                reasons.AGENCY_MISMATCH,
                {},
            )
        ),
    ]
    valid = _record_json(good, "expected_recall", recall_json)
    valid["headers"] = headers_hex(headers)
    return {
        "valid": [{"name": "key-compromised", "reader": "GR-HCG", **valid}],
        "invalid": [v.to_json() for v in invalid],
    }


def build(
    keys: dict[str, Ed25519PrivateKey], topics: TopicNames, alert: SignedRecord
) -> dict[str, Any]:
    """The messages vectors document; ``alert`` is envelope vector 1 (amber-boat-departure)."""
    store = TrustStore(agencies={}).with_hub(HUB_ID)
    store = store.with_key(HUB_ID, HUB_ID, hub_key().public_key())
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    return {
        "format": "corridor-message-vectors/1",
        "description": "Incidents, receipts and recall notices; see docs/wire-format.md 13.2",
        "topic_prefix": topics.prefix,
        "hub": HUB_ID,
        "hub_key": {
            "agency": HUB_ID,
            "private_key_seed_hex": HUB_SEED.hex(),
            "public_key_hex": raw_public_key(hub_key().public_key()).hex(),
            "key_id": key_id(hub_key().public_key()),
        },
        "schema_fingerprints_hex": {
            "incident": incident_schema().fingerprint.hex(),
            "receipt": receipt_schema().fingerprint.hex(),
            "recall": recall_schema().fingerprint.hex(),
        },
        "trust_store": dump_trust_store(store),
        "incidents": _incident_vectors(topics, keys, alert),
        "receipts": _receipt_vectors(topics, keys, alert),
        "recalls": _recall_vectors(topics, keys, alert),
    }

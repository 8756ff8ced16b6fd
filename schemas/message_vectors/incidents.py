"""The incident vectors: the hub's incident, and copies that must fail."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import alert_schema, incident_schema
from schemas.codec import encode_single_object
from schemas.json_mapping import from_json
from schemas.message_vectors.hub import HUB_ID, HUB_PRODUCED_AT, hub_key
from schemas.message_vectors.records import MustFail, _flip, _record_json, _resealed
from schemas.signing import SignedRecord, sign_incident
from schemas.topics import TopicNames

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

"""Test vectors of the signed alert envelope, and the test agencies every vectors file signs with.

Written to ``schemas/vectors/envelope-v1.json`` by ``python -m schemas.vectorgen``. The
agencies' fixed test keys (``SEEDS``), their alert and its signing time are shared with
the other vectors files, which refer to envelope vector 1 (:func:`first_alert`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import alert_schema, header_schema
from schemas.envelope import MAGIC, SIGNING_CONTEXT, EnvelopeHeader, RecordHeaders, seal
from schemas.json_mapping import from_json, to_json
from schemas.keys import key_id, raw_public_key
from schemas.signing import SignedRecord, sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, dump_trust_store

TOPICS = TopicNames("corridor")
PRODUCED_AT = dt.datetime(2026, 11, 24, 8, 30, 0, 250000, tzinfo=dt.UTC)

SEEDS = {
    "PK-FIA": bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    "GR-HCG": bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
}


def _key(agency: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(SEEDS[agency])


def _alert_json(agency: str, alert_id: str, tlp: str = "AMBER") -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "revision": 1,
        "agency": agency,
        "issued_at": "2026-11-24T08:00:00Z",
        "observed_from": "2026-11-21T00:00:00Z",
        "observed_to": "2026-11-23T18:00:00Z",
        "route": [
            {
                "lat": 25.05,
                "lon": 61.75,
                "place_name": "Jiwani",
                "country": "PK",
                "role": "DEPARTURE_POINT",
                "observed_at": "2026-11-22T23:10:00Z",
            },
            {
                "lat": 25.2919,
                "lon": 60.643,
                "place_name": "Chabahar",
                "country": "IR",
                "role": "DESTINATION",
            },
        ],
        "transport_mode": "BOAT",
        "conveyances": [{"kind": "VESSEL", "name": "Al Noor", "mmsi": "463012345", "flag": "PK"}],
        "indicators": {
            "phone_numbers": ["0321 5550123"],
            "messaging_handles": [{"platform": "whatsapp", "handle": "+92 321 5550123"}],
            "social_media_handles": [{"platform": "tiktok", "handle": "@europe.jobs.24"}],
            "payment_channels": [{"method": "HAWALA", "identifier": "hawaladar-17-turbat"}],
            "smuggler_aliases": ["Haji Baloch"],
        },
        "estimated_persons": 42,
        "vulnerability_flags": ["UNACCOMPANIED_MINORS"],
        "severity": "HIGH",
        "source_reliability": "B",
        "information_credibility": 2,
        "tlp": tlp,
        "tlp_recipients": ["GR-HCG"] if tlp == "RED" else [],
        "handling_code": "H2",
        "narrative": "Night departures from Jiwani towards Chabahar; minors among passengers.",
    }


def _signed(agency: str, alert_id: str, message_id: str, tlp: str = "AMBER") -> SignedRecord:
    datum = from_json(alert_schema().schema, _alert_json(agency, alert_id, tlp))
    return sign_alert(datum, _key(agency), TOPICS, produced_at=PRODUCED_AT, message_id=message_id)


def _headers_hex(headers: RecordHeaders) -> list[list[str]]:
    return [[name, value.hex()] for name, value in headers]


def _header_json(header: EnvelopeHeader) -> dict[str, Any]:
    document: dict[str, Any] = to_json(header.to_datum())
    return document


@dataclass(frozen=True)
class Invalid:
    """A vector that must fail with ``reason``."""

    name: str
    description: str
    value: bytes
    headers: RecordHeaders
    read_topic: str | None
    reason: str


def _invalid_vectors(good: SignedRecord) -> list[Invalid]:
    value, headers = good.value, good.headers
    flipped_payload = bytearray(value)
    flipped_payload[-64 - 10] ^= 0x01
    flipped_sig = bytearray(value)
    flipped_sig[-1] ^= 0x80
    # A well-formed envelope signed by GR-HCG's key but claiming PK-FIA.
    forged_header = EnvelopeHeader(
        **{**good.header.to_datum(), "key_id": key_id(_key("GR-HCG").public_key())}
    )
    forged = seal(forged_header, _payload(value), _key("GR-HCG"))
    # PK-FIA's genuine signature over an alert that claims to come from GR-HCG.
    impostor = sign_alert(
        from_json(alert_schema().schema, _alert_json("GR-HCG", "GR-HCG-2026-000001")),
        _key("PK-FIA"),
        TOPICS,
        produced_at=PRODUCED_AT,
        message_id="5d7f3f4e-54f6-4a59-9a53-2f62a3b6f3b1",
    )
    other_header = EnvelopeHeader(
        **{**impostor.header.to_datum(), "agency": "PK-FIA", "topic": TOPICS.inbound("PK-FIA")}
    )
    impostor_value = seal(other_header, _payload(impostor.value), _key("PK-FIA"))
    return [
        Invalid(
            "bad-magic",
            "first byte changed",
            b"X" + value[1:],
            headers,
            good.topic,
            reasons.MALFORMED_ENVELOPE,
        ),
        Invalid(
            "truncated",
            "last byte removed",
            value[:-1],
            headers,
            good.topic,
            reasons.MALFORMED_ENVELOPE,
        ),
        Invalid(
            "payload-bit-flip",
            "one bit of the payload flipped",
            bytes(flipped_payload),
            headers,
            good.topic,
            reasons.BAD_SIGNATURE,
        ),
        Invalid(
            "signature-bit-flip",
            "one bit of the signature flipped",
            bytes(flipped_sig),
            headers,
            good.topic,
            reasons.BAD_SIGNATURE,
        ),
        Invalid(
            "wrong-topic",
            "genuine message read from another agency's inbound topic",
            value,
            headers,
            TOPICS.inbound("GR-HCG"),
            reasons.WRONG_TOPIC,
        ),
        Invalid(
            "header-stripped",
            "Kafka header corridor-agency removed",
            value,
            [h for h in headers if h[0] != "corridor-agency"],
            good.topic,
            reasons.HEADER_MISMATCH,
        ),
        Invalid(
            "foreign-key",
            "signed with GR-HCG's key under GR-HCG's key id, claims PK-FIA",
            forged,
            forged_header.record_headers(),
            good.topic,
            reasons.UNKNOWN_KEY,
        ),
        Invalid(
            "agency-mismatch",
            "PK-FIA signs an alert whose agency field says GR-HCG",
            impostor_value,
            other_header.record_headers(),
            good.topic,
            reasons.AGENCY_MISMATCH,
        ),
    ]


def _payload(value: bytes) -> bytes:
    from schemas.envelope import open_envelope

    return open_envelope(value).payload


def build() -> dict[str, Any]:
    """The whole vectors document."""
    keys = []
    store = TrustStore(agencies={})
    for agency in SEEDS:
        key = _key(agency)
        store = store.with_key(agency, agency, key.public_key())
        keys.append(
            {
                "agency": agency,
                "private_key_seed_hex": key.private_bytes(
                    serialization.Encoding.Raw,
                    serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                ).hex(),
                "public_key_hex": raw_public_key(key.public_key()).hex(),
                "key_id": key_id(key.public_key()),
            }
        )
    valid_records = [
        (
            "amber-boat-departure",
            _signed("PK-FIA", "PK-FIA-2026-000042", "0b9f8a52-3a43-4f0e-9a58-7b1c2d9e6a11"),
        ),
        (
            "red-named-recipient",
            _signed(
                "PK-FIA", "PK-FIA-2026-000043", "c8d1e0a4-6f2b-4d7c-8e3a-1b2c3d4e5f60", tlp="RED"
            ),
        ),
    ]
    valid = []
    for name, record in valid_records:
        valid.append(
            {
                "name": name,
                "topic": record.topic,
                "key_hex": record.key.hex(),
                "headers": _headers_hex(record.headers),
                "value_hex": record.value.hex(),
                "expected_header": _header_json(record.header),
                "expected_alert": _alert_json(
                    record.header.agency, record.alert_id, "RED" if "red" in name else "AMBER"
                ),
            }
        )
    invalid = [
        {
            "name": v.name,
            "description": v.description,
            "read_topic": v.read_topic,
            "headers": _headers_hex(v.headers),
            "value_hex": v.value.hex(),
            "expected_reason": v.reason,
        }
        for v in _invalid_vectors(valid_records[0][1])
    ]
    return {
        "format": "corridor-test-vectors/1",
        "description": "Signed envelope v1 test vectors; see docs/wire-format.md",
        "magic_hex": MAGIC.hex(),
        "signing_context_hex": SIGNING_CONTEXT.hex(),
        "topic_prefix": TOPICS.prefix,
        "alert_schema_fingerprint_hex": alert_schema().fingerprint.hex(),
        "header_schema_fingerprint_hex": header_schema().fingerprint.hex(),
        "keys": keys,
        "trust_store": dump_trust_store(store),
        "valid": valid,
        "invalid": invalid,
    }


def first_alert() -> SignedRecord:
    """Envelope vector 1 (``amber-boat-departure``), which the other vectors refer to."""
    return _signed("PK-FIA", "PK-FIA-2026-000042", "0b9f8a52-3a43-4f0e-9a58-7b1c2d9e6a11")

"""Test vectors of a schema evolution: SmugglingRouteAlert v1 and its example v2.

Written to ``schemas/vectors/alert-v2.json`` by ``python -m schemas.vectorgen``
(docs/wire-format.md section 14.1): an alert written with v2 (a new optional field
with a default) as a v1 reader and a v2 reader decode it, an alert written with v1 as
a v2 reader decodes it, and the v2 alert signed in an envelope, which a verifier
that knows only v1 refuses with ``unknown_schema``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.catalog import alert_schema, alert_v2_example_schema
from schemas.codec import SINGLE_OBJECT_PREFIX_LEN, encode_single_object
from schemas.envelope import open_envelope
from schemas.evolution import check, resolve
from schemas.json_mapping import from_json, to_json
from schemas.signing import SignedRecord, _seal_payload
from schemas.topics import TopicNames

REPORTING_UNIT = "Jiwani coast-guard station"
V2_MESSAGE_ID = "4c2e8d1a-9b7f-4e3d-8a6c-5f4e3d2c1b0a"


def build(
    topics: TopicNames,
    key: Ed25519PrivateKey,
    alert_json: dict[str, Any],
    v1_record: SignedRecord,
    produced_at: dt.datetime,
) -> dict[str, Any]:
    """The evolution vectors (``alert_json``/``v1_record``: envelope vector 1)."""
    v1, v2 = alert_schema(), alert_v2_example_schema()
    if check(v1.schema, v2.schema, "FULL"):
        raise AssertionError("the example v2 must be a FULL evolution of v1")
    v2_json = {**alert_json, "alert_id": "PK-FIA-2026-000045", "reporting_unit": REPORTING_UNIT}
    v2_datum = from_json(v2.schema, v2_json)
    v2_payload = encode_single_object(v2, v2_datum)
    v1_payload = open_envelope(v1_record.value).payload
    body_v2 = v2_payload[SINGLE_OBJECT_PREFIX_LEN:]
    body_v1 = v1_payload[SINGLE_OBJECT_PREFIX_LEN:]
    header, value = _seal_payload(
        "alert",
        topics.inbound("PK-FIA"),
        "PK-FIA",
        v2,
        v2_datum,
        key,
        produced_at,
        V2_MESSAGE_ID,
    )
    return {
        "format": "corridor-evolution-vectors/1",
        "description": "SmugglingRouteAlert v2 (example) against v1; see docs/wire-format.md 14.1",
        "v1": {"file": "SmugglingRouteAlert.v1.avsc", "fingerprint_hex": v1.fingerprint.hex()},
        "v2": {
            "file": "SmugglingRouteAlert.v2.avsc",
            "fingerprint_hex": v2.fingerprint.hex(),
            "new_field": {"name": "reporting_unit", "type": ["null", "string"], "default": None},
        },
        "compatibility": "FULL",
        "written_with_v2": {
            "alert": v2_json,
            "payload_hex": v2_payload.hex(),
            "expected_as_v2_reader": to_json(resolve(v2.schema, v2.schema, body_v2)),
            "expected_as_v1_reader": to_json(resolve(v2.schema, v1.schema, body_v2)),
        },
        "written_with_v1": {
            "payload_hex": v1_payload.hex(),
            "expected_as_v2_reader": to_json(resolve(v1.schema, v2.schema, body_v1)),
        },
        "envelope": {
            "description": "the v2 alert signed by PK-FIA; a verifier that knows only v1 "
            "refuses it at step 15",
            "topic": topics.inbound("PK-FIA"),
            "headers": [[n, v.hex()] for n, v in header.record_headers()],
            "value_hex": value.hex(),
            "expected_reason_v1_verifier": reasons.UNKNOWN_SCHEMA,
        },
    }

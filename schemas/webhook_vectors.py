"""Test vectors of the hub's webhook requests.

Written to ``schemas/vectors/webhooks-v1.json`` by ``python -m schemas.vectorgen``
(docs/wire-format.md section 15.5). Signed with the hub's test key of
``schemas.message_vectors``. The requests are built with the reference signer
(``consumers.webhooks.signing``, imported when the vectors are generated, not when the
contract is used).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.envelope import RecordHeaders
from schemas.json_mapping import format_timestamp
from schemas.message_vectors import HUB_ID, delivery_id, hub_key
from schemas.signing import SignedRecord
from schemas.topics import TopicNames

WEBHOOK_TARGET = "/hooks/corridor?tenant=gr"
SIGNED_AT = dt.datetime(2026, 11, 24, 8, 30, 5, 125000, tzinfo=dt.UTC)
RECEIVED_AT = SIGNED_AT + dt.timedelta(seconds=2)


def inbox_headers(record: SignedRecord, recipient: str) -> RecordHeaders:
    """The headers of ``recipient``'s inbox copy of a first revision (wire format 12.1)."""
    return [
        *record.headers,
        ("corridor-revision-status", b"new"),
        ("corridor-delivery-id", delivery_id(recipient, record.header.message_id).encode()),
    ]


def _post(
    topics: TopicNames,
    record: SignedRecord,
    recipient: str,
    *,
    value: bytes | None = None,
    key: Ed25519PrivateKey | None = None,
    target: str = WEBHOOK_TARGET,
    body_recipient: str | None = None,
    body_delivery_id: str | None = None,
) -> tuple[list[list[str]], bytes]:
    from consumers.webhooks.body import InboxRecord, webhook_body
    from consumers.webhooks.signing import sign_request

    did = delivery_id(recipient, record.header.message_id)
    inbox = InboxRecord(
        topic=topics.inbox(recipient),
        partition=0,
        offset=42,
        key=record.key,
        value=record.value if value is None else value,
        headers=inbox_headers(record, recipient),
    )
    body = webhook_body(body_delivery_id or did, body_recipient or recipient, inbox)
    signed = sign_request(target, did, body, key or hub_key(), SIGNED_AT)
    return [["Content-Type", "application/json"], *[[n, v] for n, v in signed.items()]], body


def _request(
    name: str,
    description: str,
    headers: list[list[str]],
    body: bytes,
    expected_status: int,
    expected: str,
    *,
    target: str = WEBHOOK_TARGET,
    now: dt.datetime = RECEIVED_AT,
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "receiver": "GR-HCG",
        "now": format_timestamp(now),
        "method": "POST",
        "target": target,
        "headers": headers,
        "body_hex": body.hex(),
        "expected_status": expected_status,
        # 2xx: the status the delivery is stored with; 4xx: the error code answered.
        "expected": expected,
    }


def build_webhooks(
    topics: TopicNames, keys: dict[str, Ed25519PrivateKey], alert: SignedRecord
) -> dict[str, Any]:
    """The webhook vectors document (``alert``: envelope vector 1)."""
    headers, body = _post(topics, alert, "GR-HCG")
    flipped = bytearray(alert.value)
    flipped[-64 - 10] ^= 0x01
    tampered_headers, tampered_body = _post(topics, alert, "GR-HCG", value=bytes(flipped))
    member_headers, member_body = _post(topics, alert, "GR-HCG", key=keys["PK-FIA"])
    other_headers, other_body = _post(topics, alert, "GR-HCG", body_recipient="EU-EUROPOL")
    mixed_headers, mixed_body = _post(topics, alert, "GR-HCG", body_delivery_id="other-id")
    altered = body.replace(b'"partition":0', b'"partition":1')
    return {
        "format": "corridor-webhook-vectors/1",
        "description": "Signed webhook POSTs and the answers; see docs/wire-format.md 15",
        "hub": HUB_ID,
        "topic_prefix": topics.prefix,
        "trust_store": "the trust_store of messages-v1.json (hub and agency signing keys)",
        "valid": [
            _request(
                "delivery-verified",
                "GR-HCG's inbox copy of envelope vector 1, POSTed and signed by the hub",
                headers,
                body,
                200,
                "verified",
            ),
            _request(
                "delivery-stored-rejected",
                "a genuine POST whose envelope does not verify: stored as rejected",
                tampered_headers,
                tampered_body,
                200,
                "rejected",
            ),
        ],
        "invalid": [
            _request(
                "body-altered",
                "one byte of the body changed",
                headers,
                altered,
                401,
                "bad_signature",
            ),
            _request(
                "other-target",
                "received on another path",
                headers,
                body,
                401,
                "bad_signature",
                target="/hooks/corridor?tenant=tr",
            ),
            _request(
                "stale",
                "received 301 s after it was signed",
                headers,
                body,
                401,
                "stale_timestamp",
                now=SIGNED_AT + dt.timedelta(seconds=301),
            ),
            _request(
                "signature-missing",
                "no Corridor-Signature header",
                [h for h in headers if h[0] != "Corridor-Signature"],
                body,
                401,
                "missing_header",
            ),
            _request(
                "signed-by-a-member",
                "signed with PK-FIA's key",
                member_headers,
                member_body,
                401,
                "unknown_key",
            ),
            _request(
                "delivery-id-differs",
                "the body's delivery_id is not the signed header's",
                mixed_headers,
                mixed_body,
                400,
                "malformed_body",
            ),
            _request(
                "other-recipient",
                "a POST addressed to EU-EUROPOL received by GR-HCG",
                other_headers,
                other_body,
                403,
                "wrong_recipient",
            ),
        ],
    }

"""Test vectors of the audit chain: an intact chain with a signed checkpoint, and altered copies.

Written to ``schemas/vectors/audit-v1.json`` by ``python -m schemas.vectorgen``
(docs/wire-format.md section 16.7). The checkpoint is signed with the hub's test key of
``schemas.message_vectors``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import audit
from schemas.message_vectors import HUB_ID, delivery_id, hub_key
from schemas.signing import SignedRecord
from schemas.topics import TopicNames

#: Event times start at envelope vector 1's produced_at (UTC milliseconds).
T0_MS = int(dt.datetime(2026, 11, 24, 8, 30, 0, 250000, tzinfo=dt.UTC).timestamp() * 1000)


def _chain(alert: SignedRecord, topics: TopicNames) -> list[audit.AuditRecord]:
    digest = hashlib.sha256(alert.value).hexdigest()
    name = f"PK-FIA:{alert.alert_id}"
    message_id = alert.header.message_id
    did = delivery_id("GR-HCG", message_id)
    events: list[tuple[str, dict[str, Any], audit.Position]] = [
        (
            audit.RECEIVED,
            {"agency": "PK-FIA", "alert": name, "digest": digest, "message_id": message_id},
            audit.Position(topics.inbound("PK-FIA"), 0, 0),
        ),
        (
            audit.VERIFIED,
            {"alert": name, "digest": digest, "message_id": message_id, "revision": 1},
            audit.Position(topics.verified, 0, 0),
        ),
        (
            audit.PASSED_DEDUPE,
            {"alert": name, "digest": digest, "message_id": message_id, "status": "new"},
            audit.Position(topics.alerts, 0, 0),
        ),
        (
            audit.DELIVERED,
            {
                "agency": "GR-HCG",
                "alert": name,
                "delivery": did,
                "digest": digest,
                "item": "alert",
                "message_id": message_id,
            },
            audit.Position(topics.inbox("GR-HCG"), 0, 42),
        ),
    ]
    records: list[audit.AuditRecord] = []
    prev = audit.GENESIS
    for i, (kind, subject, source) in enumerate(events):
        record = audit.seal_record(i + 1, prev, T0_MS + 1000 * i, kind, subject, source)
        records.append(record)
        prev = record.hash
    positions = {
        (r.source.topic, r.source.partition): r.source.offset + 1 for r in records if r.source
    }
    checkpoint = audit.seal_checkpoint(
        len(records) + 1, prev, T0_MS + 5000, HUB_ID, positions, hub_key()
    )
    return [*records, checkpoint]


def _values(records: list[audit.AuditRecord]) -> list[str]:
    return [r.to_bytes().decode("utf-8") for r in records]


def build_audit(
    topics: TopicNames, keys: dict[str, Ed25519PrivateKey], alert: SignedRecord
) -> dict[str, Any]:
    """The audit-chain vectors document: an intact chain and altered copies of it."""
    chain = _chain(alert, topics)
    values = _values(chain)
    altered = values[1].replace('"revision":1', '"revision":2')
    relinked = audit.seal_record(
        2,
        chain[0].hash,
        chain[1].at,
        chain[1].kind,
        {**chain[1].subject, "revision": 2},
        chain[1].source,
    )
    bad = audit.seal_checkpoint(
        5, chain[3].hash, chain[4].at, HUB_ID, audit.checkpoint_positions(chain[4]), keys["PK-FIA"]
    )
    forged = bad.to_bytes().decode()
    cases = [
        (
            "altered",
            "record seq 2's revision changed, hash kept",
            [values[0], altered, *values[2:]],
            None,
            [audit.ALTERED],
        ),
        (
            "rehashed",
            "record seq 2 changed and re-hashed: its successor no longer links",
            [values[0], relinked.to_bytes().decode(), *values[2:]],
            None,
            [audit.BROKEN_LINK],
        ),
        ("missing", "record seq 3 removed", [*values[:2], *values[3:]], None, [audit.MISSING]),
        (
            "duplicate",
            "record seq 2 written twice",
            [*values[:2], values[1], *values[2:]],
            None,
            [audit.DUPLICATE],
        ),
        (
            "reordered",
            "records seq 2 and 3 swapped",
            [values[0], values[2], values[1], *values[3:]],
            None,
            [audit.OUT_OF_ORDER],
        ),
        (
            "checkpoint-not-the-hubs",
            "the checkpoint signed with PK-FIA's key",
            [*values[:4], forged],
            None,
            [audit.BAD_CHECKPOINT],
        ),
        (
            "truncated",
            "the checkpoint removed, the head seq 5 known from before",
            values[:4],
            5,
            [audit.TRUNCATED],
        ),
    ]
    hub_public = hub_key().public_key()
    return {
        "format": "corridor-audit-vectors/1",
        "description": "An audit chain with a signed checkpoint, and altered copies; see "
        "docs/wire-format.md 16",
        "hash_context_hex": audit.HASH_CONTEXT.hex(),
        "checkpoint_context_hex": audit.CHECKPOINT_CONTEXT.hex(),
        "hub": HUB_ID,
        "hub_public_key_b64": base64.b64encode(hub_public.public_bytes_raw()).decode("ascii"),
        "chain": {
            "records": values,
            "expected_head_seq": chain[-1].seq,
            "expected_head_hash": chain[-1].hash,
            "expected_checkpoints": 1,
            "checkpoint_signing_input_hex": audit.checkpoint_signing_input(chain[-1]).hex(),
        },
        "invalid": [
            {
                "name": name,
                "description": description,
                "records": records,
                "expect_head_seq": expect,
                "expected_errors": errors,
            }
            for name, description, records, expect, errors in cases
        ],
    }

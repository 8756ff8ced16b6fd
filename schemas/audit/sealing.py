"""Sealing audit records: an event record with its hash, a checkpoint signed by the hub (pure)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.audit.records import (
    CHECKPOINT,
    CHECKPOINT_CONTEXT,
    AuditRecord,
    Position,
    Subject,
    canonical,
)
from schemas.keys import key_id


def seal_record(
    seq: int,
    prev: str,
    at: int,
    kind: str,
    subject: Subject,
    source: Position | None = None,
) -> AuditRecord:
    """An event record with its hash."""
    record = AuditRecord(seq=seq, prev=prev, at=at, kind=kind, subject=dict(subject), source=source)
    return _with_hash(record)


def _with_hash(record: AuditRecord) -> AuditRecord:
    return AuditRecord(
        seq=record.seq,
        prev=record.prev,
        at=record.at,
        kind=record.kind,
        subject=record.subject,
        source=record.source,
        signature=record.signature,
        hash=record.compute_hash(),
    )


def positions_value(positions: Mapping[tuple[str, int], int]) -> list[list[Any]]:
    """Source positions as a checkpoint lists them: ``[topic, partition, next offset]``."""
    return [[topic, partition, offset] for (topic, partition), offset in sorted(positions.items())]


def checkpoint_signing_input(record: AuditRecord) -> bytes:
    """What a checkpoint's signature covers."""
    return CHECKPOINT_CONTEXT + canonical(record.body())


def seal_checkpoint(
    seq: int,
    prev: str,
    at: int,
    hub_id: str,
    positions: Mapping[tuple[str, int], int],
    private_key: Ed25519PrivateKey,
) -> AuditRecord:
    """A checkpoint over every record before ``seq``, signed by the hub."""
    unsigned = AuditRecord(
        seq=seq,
        prev=prev,
        at=at,
        kind=CHECKPOINT,
        subject={
            "hub": hub_id,
            "key_id": key_id(private_key.public_key()),
            "positions": positions_value(positions),
        },
    )
    signature = private_key.sign(checkpoint_signing_input(unsigned))
    signed = AuditRecord(
        seq=unsigned.seq,
        prev=unsigned.prev,
        at=unsigned.at,
        kind=unsigned.kind,
        subject=unsigned.subject,
        signature=base64.b64encode(signature).decode("ascii"),
    )
    return _with_hash(signed)

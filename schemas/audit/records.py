"""Audit records: the format's constants and event kinds, the record type, its canonical
JSON and hash (pure). The format is described in :mod:`schemas.audit`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.errors import CorridorError

FORMAT = "corridor-audit/1"
HASH_CONTEXT = b"corridor/audit/v1\x00"
CHECKPOINT_CONTEXT = b"corridor/audit-checkpoint/v1\x00"
GENESIS = "0" * 64
"""``prev`` of the first record (seq 1)."""
RECORD_KEY = b"audit"
"""Kafka key of every audit record (the topic has one partition)."""
MAX_RECORD_LEN = 64 * 1024

# Event kinds: the life of an alert, and key-registry changes.
RECEIVED = "received"
VERIFIED = "verified"
QUARANTINED = "quarantined"
PASSED_DEDUPE = "passed_dedupe"
DROPPED_DUPLICATE = "dropped_duplicate"
CORRELATED = "correlated"
DELIVERED = "delivered"
RECEIPTED = "receipted"
RECALLED = "recalled"
DEAD_LETTERED = "dead_lettered"
REPLAYED = "replayed"
WEBHOOK_DELIVERED = "webhook_delivered"
KEY_REGISTRY_CHANGED = "key_registry_changed"
CHECKPOINT = "checkpoint"
EVENT_KINDS = (
    RECEIVED,
    VERIFIED,
    QUARANTINED,
    PASSED_DEDUPE,
    DROPPED_DUPLICATE,
    CORRELATED,
    DELIVERED,
    RECEIPTED,
    RECALLED,
    DEAD_LETTERED,
    REPLAYED,
    WEBHOOK_DELIVERED,
    KEY_REGISTRY_CHANGED,
)

_MAX_INT = 2**53 - 1
SubjectValue = str | int | None | list[Any]
Subject = Mapping[str, SubjectValue]


class AuditFormatError(CorridorError):
    """An audit record is not valid ``corridor-audit/1``."""


@dataclass(frozen=True)
class Position:
    """Where a source record was read."""

    topic: str
    """Source topic."""
    partition: int
    """Source partition."""
    offset: int
    """Its offset."""

    def to_json(self) -> dict[str, Any]:
        """The ``source`` object of a record."""
        return {"offset": self.offset, "partition": self.partition, "topic": self.topic}


@dataclass(frozen=True)
class AuditRecord:
    """One record of the chain (an event or a checkpoint)."""

    seq: int
    """1, 2, 3, ... without gaps."""
    prev: str
    """``hash`` of the record before (``GENESIS`` for seq 1)."""
    at: int
    """Event time, UTC milliseconds since the epoch."""
    kind: str
    """One of ``EVENT_KINDS`` or ``checkpoint``."""
    subject: Mapping[str, SubjectValue]
    """What the event is about: ids, agencies, reasons, digests (never alert content)."""
    source: Position | None = None
    """The source record this event was derived from, if any."""
    signature: str | None = None
    """Checkpoints only: base64 Ed25519 signature."""
    hash: str = ""
    """SHA-256 (hex) of HASH_CONTEXT and the canonical record without it."""

    def body(self) -> dict[str, Any]:
        """The JSON object without ``hash`` (and without ``signature``)."""
        document: dict[str, Any] = {
            "at": self.at,
            "format": FORMAT,
            "kind": self.kind,
            "prev": self.prev,
            "seq": self.seq,
            "source": None if self.source is None else self.source.to_json(),
            "subject": dict(self.subject),
        }
        return document

    def hashed_part(self) -> dict[str, Any]:
        """What ``hash`` covers: everything but the hash itself."""
        document = self.body()
        if self.signature is not None:
            document["signature"] = self.signature
        return document

    def compute_hash(self) -> str:
        """The hash this record should carry."""
        return hashlib.sha256(HASH_CONTEXT + canonical(self.hashed_part())).hexdigest()

    def to_bytes(self) -> bytes:
        """The Kafka record value: canonical JSON of the whole record."""
        return canonical({**self.hashed_part(), "hash": self.hash})

    def alerts(self) -> list[str]:
        """The ``AGENCY:alert_id`` this record is about (``alert`` or ``alerts``)."""
        found: list[str] = []
        single = self.subject.get("alert")
        if isinstance(single, str):
            found.append(single)
        many = self.subject.get("alerts")
        if isinstance(many, list):
            found.extend(many)
        return found


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value`` (strings, integers, null, lists, objects only)."""
    _check_canonical(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _check_canonical(value: Any, where: str) -> None:
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool | float):
        raise AuditFormatError(f"{where}: only strings, integers, null, arrays and objects")
    if isinstance(value, int):
        if abs(value) > _MAX_INT:
            raise AuditFormatError(f"{where}: integer out of range")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_canonical(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str) or not name.isascii():
                raise AuditFormatError(f"{where}: member names must be ASCII strings")
            _check_canonical(item, f"{where}.{name}")
        return
    raise AuditFormatError(f"{where}: {type(value).__name__} is not allowed")


def records_for_alert(records: Sequence[AuditRecord], alert: str) -> list[AuditRecord]:
    """Records naming ``alert`` (``AGENCY:alert_id``) directly, in chain order."""
    return [r for r in records if alert in r.alerts()]

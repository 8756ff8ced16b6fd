"""Parsing audit records from untrusted bytes: types checked, not the hash (pure)."""

from __future__ import annotations

import json
from typing import Any

from schemas.audit.records import (
    CHECKPOINT,
    EVENT_KINDS,
    FORMAT,
    MAX_RECORD_LEN,
    AuditFormatError,
    AuditRecord,
    Position,
    canonical,
)


def checkpoint_positions(record: AuditRecord) -> dict[tuple[str, int], int]:
    """The source positions a checkpoint lists."""
    raw = record.subject.get("positions")
    positions: dict[tuple[str, int], int] = {}
    if not isinstance(raw, list):
        raise AuditFormatError(f"checkpoint seq {record.seq}: positions is not a list")
    for entry in raw:
        if (
            not isinstance(entry, list)
            or len(entry) != 3
            or not isinstance(entry[0], str)
            or not _is_int(entry[1])
            or not _is_int(entry[2])
        ):
            raise AuditFormatError(f"checkpoint seq {record.seq}: bad position {entry!r}")
        positions[(entry[0], entry[1])] = entry[2]
    return positions


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hex64(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def _subject_value(value: Any) -> bool:
    if value is None or isinstance(value, str) or _is_int(value):
        return True
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return True
        # checkpoint positions: [[topic, partition, offset], ...]
        return all(
            isinstance(v, list) and all(isinstance(x, str) or _is_int(x) for x in v) for v in value
        )
    return False


def parse_record(value: bytes | None) -> AuditRecord:
    """Decode an audit record value (untrusted bytes); checks types, not the hash."""
    if value is None:
        raise AuditFormatError("empty record (tombstone)")
    if len(value) > MAX_RECORD_LEN:
        raise AuditFormatError(f"{len(value)} bytes is more than {MAX_RECORD_LEN}")
    try:
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AuditFormatError(f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise AuditFormatError(f'expected an object with "format": "{FORMAT}"')
    allowed = {"at", "format", "hash", "kind", "prev", "seq", "source", "subject", "signature"}
    extra = set(document) - allowed
    if extra:
        raise AuditFormatError(f"unknown members {sorted(extra)}")
    seq: Any = document.get("seq")
    at: Any = document.get("at")
    kind = document.get("kind")
    if not _is_int(seq) or seq < 1:
        raise AuditFormatError("seq: expected an integer >= 1")
    if not _is_int(at):
        raise AuditFormatError("at: expected an integer (UTC milliseconds)")
    if kind != CHECKPOINT and kind not in EVENT_KINDS:
        raise AuditFormatError(f"kind: {kind!r} is not an audit event kind")
    for name in ("prev", "hash"):
        if not _is_hex64(document.get(name)):
            raise AuditFormatError(f"{name}: expected 64 lower-case hex digits")
    subject = document.get("subject")
    if not isinstance(subject, dict) or not all(
        isinstance(k, str) and k.isascii() and _subject_value(v) for k, v in subject.items()
    ):
        raise AuditFormatError("subject: expected an object of strings, integers and lists")
    source = document.get("source")
    position = None
    if source is not None:
        if (
            not isinstance(source, dict)
            or set(source) != {"topic", "partition", "offset"}
            or not isinstance(source["topic"], str)
            or not _is_int(source["partition"])
            or not _is_int(source["offset"])
        ):
            raise AuditFormatError("source: expected {topic, partition, offset}")
        position = Position(source["topic"], source["partition"], source["offset"])
    signature = document.get("signature")
    if kind == CHECKPOINT and not isinstance(signature, str):
        raise AuditFormatError("checkpoint without a signature")
    if kind != CHECKPOINT and signature is not None:
        raise AuditFormatError("only checkpoints carry a signature")
    canonical(document)  # integers in range, ASCII member names: else AuditFormatError
    return AuditRecord(
        seq=seq,
        prev=document["prev"],
        at=at,
        kind=kind,
        subject=subject,
        source=position,
        signature=signature,
        hash=document["hash"],
    )

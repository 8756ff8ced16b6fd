"""Process events: what a hub process appends to ``<prefix>.audit-events`` (pure).

The auditor chains them like records of any other topic; they carry what no topic
shows (a dropped duplicate, a webhook delivered).
"""

from __future__ import annotations

import json
from typing import Any

from schemas.audit.parsing import _is_int
from schemas.audit.records import (
    DROPPED_DUPLICATE,
    MAX_RECORD_LEN,
    WEBHOOK_DELIVERED,
    AuditFormatError,
    Subject,
    SubjectValue,
    canonical,
)

EVENT_FORMAT = "corridor-audit-event/1"
"""UTF-8 JSON a hub process appends to ``<prefix>.audit-events``: what no topic shows."""
PROCESS_KINDS = (DROPPED_DUPLICATE, WEBHOOK_DELIVERED)
SUBJECT_FIELDS = frozenset(
    {
        "agency",
        "alert",
        "alerts",
        "attempts",
        "decision",
        "delivery",
        "digest",
        "http_status",
        "incident",
        "item",
        "malformed",
        "message_id",
        "reason",
        "revision",
        "signer",
        "source_offset",
        "source_partition",
        "source_topic",
        "stage",
        "status",
        "version",
    }
)
"""Every subject member an event may carry: ids, agencies, reasons, digests (no content)."""


def audit_event_value(kind: str, at_ms: int, subject: Subject) -> bytes:
    """The audit-events record value of one process event."""
    if kind not in PROCESS_KINDS:
        raise AuditFormatError(f"{kind!r} is not a process event kind")
    unknown = set(subject) - SUBJECT_FIELDS
    if unknown:
        raise AuditFormatError(f"subject members {sorted(unknown)} are not audit fields")
    return canonical({"at": at_ms, "format": EVENT_FORMAT, "kind": kind, "subject": dict(subject)})


def parse_audit_event(value: bytes | None) -> tuple[str, int, dict[str, SubjectValue]]:
    """``(kind, at, subject)`` of an audit-events record (untrusted bytes)."""
    if value is None or len(value) > MAX_RECORD_LEN:
        raise AuditFormatError("empty or oversized process event")
    try:
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AuditFormatError(f"not UTF-8 JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != EVENT_FORMAT:
        raise AuditFormatError(f'expected "format": "{EVENT_FORMAT}"')
    kind, at, subject = document.get("kind"), document.get("at"), document.get("subject")
    if kind not in PROCESS_KINDS or not isinstance(kind, str):
        raise AuditFormatError(f"kind {kind!r} is not a process event kind")
    if not _is_int(at) or not isinstance(at, int):
        raise AuditFormatError("at: expected UTC milliseconds")
    if not isinstance(subject, dict):
        raise AuditFormatError("subject: expected an object")
    kept = {
        k: v
        for k, v in subject.items()
        if k in SUBJECT_FIELDS
        and (v is None or isinstance(v, str) or _is_int(v) or _is_str_list(v))
    }
    canonical(kept)
    return kind, at, kept


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)

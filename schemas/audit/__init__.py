"""The audit chain: records, their canonical encoding and hash, signed checkpoints (pure).

Every life event of an alert and every key-registry change is one record on the
audit topic (``<prefix>.audit``, one partition), written by a single writer, the
auditor. A record is a JSON object (format ``corridor-audit/1``)::

    {"at": 1767225600000, "format": "corridor-audit/1", "hash": "<64 hex>",
     "kind": "received", "prev": "<64 hex>", "seq": 7,
     "source": {"offset": 12, "partition": 0, "topic": "corridor.inbound.PK-FIA"},
     "subject": {"agency": "PK-FIA", "alert": "PK-FIA:PK-FIA-2026-000042", ...}}

``seq`` counts from 1 without gaps; ``prev`` is the ``hash`` of record ``seq - 1``
(64 zeros for seq 1). ``hash`` is the SHA-256, in lower-case hex, of
``HASH_CONTEXT ‖ canonical(record without "hash")``. Canonical means RFC 8785
(JSON Canonicalization Scheme) restricted to what records contain: objects with
ASCII member names sorted by code point, strings, integers below 2^53 in
magnitude, null and arrays; no whitespace; UTF-8. The Kafka record value is the
canonical encoding of the whole record (with ``hash``).

A checkpoint is a record of kind ``checkpoint`` whose subject names the hub, its
key id and the source positions (``[topic, partition, next offset]``, sorted) the
chain covers, with a top-level ``signature``: base64 of the hub's Ed25519
signature over ``CHECKPOINT_CONTEXT ‖ canonical(record without "hash" and
"signature")``. Its ``prev`` is the head hash of every record before it, so a
valid checkpoint pins the whole chain up to it. See docs/wire-format.md section 16.

Records carry ids, agencies, reasons, digests, positions and times: never alert
content or personal data.

The code is in :mod:`schemas.audit.records`, ``sealing``, ``parsing``, ``verify`` and
``process_events``; this module re-exports their public names, so callers keep writing
``from schemas import audit`` and ``audit.verify_chain(...)``.
"""

from __future__ import annotations

from schemas.audit.parsing import checkpoint_positions, parse_record
from schemas.audit.process_events import (
    EVENT_FORMAT,
    PROCESS_KINDS,
    SUBJECT_FIELDS,
    audit_event_value,
    parse_audit_event,
)
from schemas.audit.records import (
    CHECKPOINT,
    CHECKPOINT_CONTEXT,
    CORRELATED,
    DEAD_LETTERED,
    DELIVERED,
    DROPPED_DUPLICATE,
    EVENT_KINDS,
    FORMAT,
    GENESIS,
    HASH_CONTEXT,
    KEY_REGISTRY_CHANGED,
    MAX_RECORD_LEN,
    PASSED_DEDUPE,
    QUARANTINED,
    RECALLED,
    RECEIPTED,
    RECEIVED,
    RECORD_KEY,
    REPLAYED,
    VERIFIED,
    WEBHOOK_DELIVERED,
    AuditFormatError,
    AuditRecord,
    Position,
    Subject,
    SubjectValue,
    canonical,
    records_for_alert,
)
from schemas.audit.sealing import (
    checkpoint_signing_input,
    positions_value,
    seal_checkpoint,
    seal_record,
)
from schemas.audit.verify import (
    ALTERED,
    BAD_CHECKPOINT,
    BROKEN_LINK,
    DUPLICATE,
    ERROR,
    MALFORMED,
    MISSING,
    OUT_OF_ORDER,
    TRUNCATED,
    UNCOVERED,
    WARNING,
    ChainReport,
    Finding,
    KeyLookup,
    checkpoint_problem,
    fixed_keys,
    verify_chain,
)

__all__ = [
    "ALTERED",
    "BAD_CHECKPOINT",
    "BROKEN_LINK",
    "CHECKPOINT",
    "CHECKPOINT_CONTEXT",
    "CORRELATED",
    "DEAD_LETTERED",
    "DELIVERED",
    "DROPPED_DUPLICATE",
    "DUPLICATE",
    "ERROR",
    "EVENT_FORMAT",
    "EVENT_KINDS",
    "FORMAT",
    "GENESIS",
    "HASH_CONTEXT",
    "KEY_REGISTRY_CHANGED",
    "MALFORMED",
    "MAX_RECORD_LEN",
    "MISSING",
    "OUT_OF_ORDER",
    "PASSED_DEDUPE",
    "PROCESS_KINDS",
    "QUARANTINED",
    "RECALLED",
    "RECEIPTED",
    "RECEIVED",
    "RECORD_KEY",
    "REPLAYED",
    "SUBJECT_FIELDS",
    "TRUNCATED",
    "UNCOVERED",
    "VERIFIED",
    "WARNING",
    "WEBHOOK_DELIVERED",
    "AuditFormatError",
    "AuditRecord",
    "ChainReport",
    "Finding",
    "KeyLookup",
    "Position",
    "Subject",
    "SubjectValue",
    "audit_event_value",
    "canonical",
    "checkpoint_positions",
    "checkpoint_problem",
    "checkpoint_signing_input",
    "fixed_keys",
    "parse_audit_event",
    "parse_record",
    "positions_value",
    "records_for_alert",
    "seal_checkpoint",
    "seal_record",
    "verify_chain",
]

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
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schemas.errors import CorridorError, VerifyError
from schemas.keys import key_id

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


# --- verification ---------------------------------------------------------------------------

ERROR = "error"
WARNING = "warning"

MALFORMED = "malformed"
ALTERED = "altered"
BROKEN_LINK = "broken_link"
MISSING = "missing"
DUPLICATE = "duplicate"
OUT_OF_ORDER = "out_of_order"
BAD_CHECKPOINT = "bad_checkpoint"
UNCOVERED = "uncovered"
TRUNCATED = "truncated"

KeyLookup = Callable[[str, dt.datetime], Ed25519PublicKey]
"""The hub's public key of a key id valid at an instant; raises :class:`VerifyError`."""


def fixed_keys(*public_keys: Ed25519PublicKey) -> KeyLookup:
    """A lookup of these keys, by key id, whatever the instant."""
    by_id = {key_id(k): k for k in public_keys}

    def lookup(kid: str, at: dt.datetime) -> Ed25519PublicKey:
        found = by_id.get(kid)
        if found is None:
            raise VerifyError("unknown_key", f"key {kid} is not a hub key")
        return found

    return lookup


@dataclass(frozen=True)
class Finding:
    """One problem found in the chain."""

    severity: str
    """``error`` (the chain is not intact) or ``warning``."""
    code: str
    """Stable code: malformed, altered, broken_link, missing, duplicate, out_of_order,
    bad_checkpoint, uncovered, truncated."""
    detail: str
    """Human-readable, naming seq numbers and offsets."""
    offset: int | None = None
    """Offset of the record concerned, if one."""
    seq: int | None = None
    """Its seq (or the first of a run), if known."""

    def to_json(self) -> dict[str, Any]:
        """For ``--json`` output."""
        return {
            "severity": self.severity,
            "code": self.code,
            "offset": self.offset,
            "seq": self.seq,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ChainReport:
    """The verifier's verdict."""

    records: int
    """Records read (including malformed ones)."""
    checkpoints: int
    """Checkpoints whose signature verified."""
    head_seq: int
    """Highest seq read (0: none)."""
    head_hash: str
    """Hash of the record with the highest seq (GENESIS: none)."""
    findings: list[Finding] = field(default_factory=list)
    """Problems, errors first in chain order."""
    covered_seq: int = 0
    """Seq of the last valid checkpoint (everything up to it is signed)."""

    @property
    def intact(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(f.severity == ERROR for f in self.findings)


def verify_chain(
    records: Iterable[tuple[int, bytes | None]],
    hub_keys: KeyLookup,
    *,
    from_start: bool = True,
    expect_head_seq: int | None = None,
) -> ChainReport:
    """Check ``(offset, value)`` records in offset order; pinpoint what was altered or lost.

    ``from_start``: the records begin at the chain's start (seq 1 links to GENESIS);
    otherwise the first record is taken as the anchor. ``expect_head_seq``: a head seq
    known from an earlier check or a copy kept elsewhere; a shorter chain is truncated.
    """
    findings: list[Finding] = []
    parsed: list[tuple[int, AuditRecord]] = []
    total = 0
    for offset, value in records:
        total += 1
        try:
            parsed.append((offset, parse_record(value)))
        except AuditFormatError as exc:
            findings.append(Finding(ERROR, MALFORMED, f"record at offset {offset}: {exc}", offset))
    for offset, record in parsed:
        if record.compute_hash() != record.hash:
            findings.append(
                Finding(
                    ERROR,
                    ALTERED,
                    f"record seq {record.seq} at offset {offset} was altered: its content does "
                    "not match its hash",
                    offset,
                    record.seq,
                )
            )
    by_seq: dict[int, list[tuple[int, AuditRecord]]] = {}
    highest = 0
    for offset, record in parsed:
        earlier = by_seq.setdefault(record.seq, [])
        if earlier:
            first_offset = earlier[0][0]
            findings.append(
                Finding(
                    ERROR,
                    DUPLICATE,
                    f"record seq {record.seq} at offset {offset} repeats seq {record.seq} "
                    f"(first at offset {first_offset}): inserted or written twice",
                    offset,
                    record.seq,
                )
            )
        elif record.seq < highest:
            findings.append(
                Finding(
                    ERROR,
                    OUT_OF_ORDER,
                    f"record seq {record.seq} at offset {offset} comes after seq {highest}: "
                    "reordered",
                    offset,
                    record.seq,
                )
            )
        earlier.append((offset, record))
        highest = max(highest, record.seq)
    unique = {seq: entries[0] for seq, entries in by_seq.items()}
    first_seq = 1 if from_start else min(unique, default=1)
    findings += _gaps(unique, first_seq, highest)
    findings += _links(unique, from_start)
    checkpoint_findings, good_checkpoints, covered = _checkpoints(unique, hub_keys)
    findings += checkpoint_findings
    if highest > covered and unique:
        first_uncovered = covered + 1 if covered else first_seq
        start = unique.get(first_uncovered)
        at = f" (from offset {start[0]})" if start else ""
        findings.append(
            Finding(
                WARNING,
                UNCOVERED,
                f"records seq {first_uncovered}..{highest}{at} are not yet covered by a signed "
                "checkpoint",
                start[0] if start else None,
                first_uncovered,
            )
        )
    if expect_head_seq is not None and highest < expect_head_seq:
        findings.append(
            Finding(
                ERROR,
                TRUNCATED,
                f"the chain ends at seq {highest}, but seq {expect_head_seq} was seen before: "
                f"records {highest + 1}..{expect_head_seq} were removed",
                None,
                highest + 1,
            )
        )
    head = unique.get(highest)
    findings.sort(key=lambda f: (f.severity != ERROR, f.seq if f.seq is not None else 0))
    return ChainReport(
        records=total,
        checkpoints=good_checkpoints,
        head_seq=highest,
        head_hash=head[1].hash if head else GENESIS,
        findings=findings,
        covered_seq=covered,
    )


def _gaps(
    unique: Mapping[int, tuple[int, AuditRecord]], first_seq: int, highest: int
) -> list[Finding]:
    findings: list[Finding] = []
    seq = first_seq
    while seq <= highest:
        if seq in unique:
            seq += 1
            continue
        end = seq
        while end + 1 <= highest and end + 1 not in unique:
            end += 1
        before = unique.get(seq - 1)
        after = unique.get(end + 1)
        where = []
        if before:
            where.append(f"after offset {before[0]}")
        if after:
            where.append(f"before offset {after[0]}")
        run = f"seq {seq}" if seq == end else f"seq {seq}..{end}"
        findings.append(
            Finding(
                ERROR,
                MISSING,
                f"record{'s' if end > seq else ''} {run} missing ({', '.join(where)})",
                after[0] if after else None,
                seq,
            )
        )
        seq = end + 1
    return findings


def _links(unique: Mapping[int, tuple[int, AuditRecord]], from_start: bool) -> list[Finding]:
    findings: list[Finding] = []
    for seq in sorted(unique):
        offset, record = unique[seq]
        if seq == 1 and from_start:
            if record.prev != GENESIS:
                findings.append(
                    Finding(
                        ERROR,
                        BROKEN_LINK,
                        f"record seq 1 at offset {offset} does not start the chain "
                        "(prev is not the genesis hash)",
                        offset,
                        seq,
                    )
                )
            continue
        before = unique.get(seq - 1)
        if before is not None and record.prev != before[1].hash:
            findings.append(
                Finding(
                    ERROR,
                    BROKEN_LINK,
                    f"record seq {seq} at offset {offset} does not link to seq {seq - 1} at "
                    f"offset {before[0]}: one of the two was altered",
                    offset,
                    seq,
                )
            )
    return findings


def _checkpoints(
    unique: Mapping[int, tuple[int, AuditRecord]], hub_keys: KeyLookup
) -> tuple[list[Finding], int, int]:
    findings: list[Finding] = []
    good = 0
    covered = 0
    for seq in sorted(unique):
        offset, record = unique[seq]
        if record.kind != CHECKPOINT:
            continue
        problem = checkpoint_problem(record, hub_keys)
        if problem is None:
            good += 1
            covered = seq
            continue
        findings.append(
            Finding(
                ERROR,
                BAD_CHECKPOINT,
                f"checkpoint seq {seq} at offset {offset}: {problem}",
                offset,
                seq,
            )
        )
    return findings, good, covered


def checkpoint_problem(record: AuditRecord, hub_keys: KeyLookup) -> str | None:
    """Why a checkpoint is not a valid hub signature over its chain, or None."""
    kid = record.subject.get("key_id")
    if not isinstance(kid, str) or record.signature is None:
        return "no key id or signature"
    try:
        checkpoint_positions(record)
        signature = base64.b64decode(record.signature, validate=True)
        public_key = hub_keys(kid, dt.datetime.fromtimestamp(record.at / 1000, dt.UTC))
        public_key.verify(signature, checkpoint_signing_input(record))
    except VerifyError as exc:
        return f"signing key not valid: {exc.detail}"
    except (binascii.Error, ValueError, OverflowError, AuditFormatError) as exc:
        return f"malformed: {exc}"
    except InvalidSignature:
        return f"signature does not verify with hub key {kid}"
    return None


def records_for_alert(records: Sequence[AuditRecord], alert: str) -> list[AuditRecord]:
    """Records naming ``alert`` (``AGENCY:alert_id``) directly, in chain order."""
    return [r for r in records if alert in r.alerts()]


# --- process events (the audit-events topic) ------------------------------------------------

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

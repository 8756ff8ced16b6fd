"""Verifying the audit chain: links, gaps, hashes and hub-signed checkpoints (pure).

``corridor audit verify`` reports every finding with the seq numbers and offsets concerned.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas.audit.parsing import checkpoint_positions, parse_record
from schemas.audit.records import CHECKPOINT, GENESIS, AuditFormatError, AuditRecord
from schemas.audit.sealing import checkpoint_signing_input
from schemas.errors import VerifyError
from schemas.keys import key_id

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

"""Deduplication decisions: the pure logic behind the dedupe stage.

Two layers, cheapest first:

* exact redelivery: the SHA-256 of the record value was seen (and verified)
  within the retention window, so it is dropped before verifying again. Only
  digests of *verified* records are remembered, so a forged record can never
  suppress a genuine one: a forgery has other bytes, hence another digest.
* same alert: per (agency, alert_id) the highest revision delivered so far is
  kept; an equal revision is a duplicate, a higher one an update, a lower one stale.
"""

from __future__ import annotations

import enum
import hashlib
import struct


class Decision(enum.Enum):
    """What the dedupe stage does with an alert."""

    NEW = "new"
    """First revision seen of this alert: deliver."""
    UPDATE = "update"
    """A higher revision than delivered so far: deliver as an update."""
    DUPLICATE = "duplicate"
    """The same revision again: drop and count."""
    STALE = "stale"
    """An older revision arriving late: drop and count."""


def decide(delivered_revision: int | None, revision: int) -> Decision:
    """Decision for ``revision`` given the highest revision delivered so far."""
    if delivered_revision is None:
        return Decision.NEW
    if revision > delivered_revision:
        return Decision.UPDATE
    if revision == delivered_revision:
        return Decision.DUPLICATE
    return Decision.STALE


def value_digest(value: bytes) -> bytes:
    """Digest of a record value for exact-redelivery detection."""
    return hashlib.sha256(value).digest()


_DIGEST_ENTRY = struct.Struct(">qH")
_REVISION_ENTRY = struct.Struct(">iqH")


def digest_entry(written_ms: int, partition: int) -> bytes:
    """Table value for a digest: when (event time) and on which partition it was written."""
    return _DIGEST_ENTRY.pack(written_ms, partition)


def parse_digest_entry(value: bytes) -> tuple[int, int]:
    """``(written_ms, partition)`` of a digest table value."""
    written_ms, partition = _DIGEST_ENTRY.unpack(value)
    return written_ms, partition


def revision_entry(revision: int, written_ms: int, partition: int) -> bytes:
    """Table value for an alert: the highest revision delivered, and when it was written."""
    return _REVISION_ENTRY.pack(revision, written_ms, partition)


def parse_revision_entry(value: bytes) -> tuple[int, int, int]:
    """``(revision, written_ms, partition)`` of a revision table value."""
    revision, written_ms, partition = _REVISION_ENTRY.unpack(value)
    return revision, written_ms, partition

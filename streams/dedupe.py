"""Deduplication decisions: the pure logic behind the dedupe stage.

Two layers, cheapest first:

* exact repeat: the SHA-256 of the record value was seen (and verified) within
  the freshness window. If it is the same Kafka record read again (the hub's own
  at-least-once reprocessing) it is dropped silently; bytes arriving again in a
  new record are a replay and are quarantined. Only digests of *verified* records
  are remembered, so a forged record can never suppress a genuine one: a forgery
  has other bytes, hence another digest.
* same alert: per (agency, alert_id) the highest revision delivered so far is
  kept; an equal revision is a duplicate, a higher one an update, a lower one stale.
"""

from __future__ import annotations

import enum
import hashlib
import struct
import zlib


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


_DIGEST_ENTRY = struct.Struct(">qHIq")
_REVISION_ENTRY = struct.Struct(">iqH")


def topic_tag(topic: str) -> int:
    """A 32-bit tag of a topic name, to tell records of different topics apart."""
    return zlib.crc32(topic.encode())


def digest_entry(written_ms: int, partition: int, topic: int = 0, offset: int = -1) -> bytes:
    """Table value for a digest: when (event time) and from which record it was written.

    The record (topic tag, partition, offset) tells the hub's own re-reading of that
    record after a restart from the same bytes arriving again in a new record.
    """
    return _DIGEST_ENTRY.pack(written_ms, partition, topic, offset)


def parse_digest_entry(value: bytes) -> tuple[int, int, int, int]:
    """``(written_ms, partition, topic tag, offset)`` of a digest table value."""
    written_ms, partition, topic, offset = _DIGEST_ENTRY.unpack(value)
    return written_ms, partition, topic, offset


def revision_entry(revision: int, written_ms: int, partition: int) -> bytes:
    """Table value for an alert: the highest revision delivered, and when it was written."""
    return _REVISION_ENTRY.pack(revision, written_ms, partition)


def parse_revision_entry(value: bytes) -> tuple[int, int, int]:
    """``(revision, written_ms, partition)`` of a revision table value."""
    revision, written_ms, partition = _REVISION_ENTRY.unpack(value)
    return revision, written_ms, partition

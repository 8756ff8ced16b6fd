"""Deduplication decisions: the pure logic behind the dedupe stage.

Two layers, cheapest first:

* exact repeat: the SHA-256 of the record value was seen (and verified) within
  the freshness window. If it is the same Kafka record read again (the hub's own
  at-least-once reprocessing) it is dropped silently; bytes arriving again in a
  new record are a replay and are quarantined. Only digests of *verified* records
  are remembered, so a forged record can never suppress a genuine one: a forgery
  has other bytes, hence another digest.
* same alert: per (agency, alert_id) the highest revision delivered so far is
  kept; an equal revision is a duplicate, a higher one an update, a lower one stale,
  unless the originator published it *before* the higher one (an earlier offset of
  the same inbound partition): then only the hub read them out of order, and the
  lower revision is passed on too, marked superseded. The hub keeps each inbound
  partition in order (streams/ordering.py); this is the defence behind it.
"""

from __future__ import annotations

import enum
import hashlib
import struct
import zlib
from collections.abc import Collection, Sequence


class Decision(enum.Enum):
    """What the dedupe stage does with an alert."""

    NEW = "new"
    """First revision seen of this alert: deliver."""
    UPDATE = "update"
    """A higher revision than delivered so far: deliver as an update."""
    DUPLICATE = "duplicate"
    """The same revision again, or a lower one re-read from the inbound record it was
    already passed on from (the hub's own re-reading after a restart): drop and count."""
    STALE = "stale"
    """An older revision the originator published after the one delivered: drop and count."""
    SUPERSEDED = "superseded"
    """An older revision the originator published before the one delivered, read out of
    order by the hub: deliver, marked superseded, without lowering the revision kept."""


#: Where an inbound record was read: (partition, offset) of the originator's inbound topic.
Origin = tuple[int, int]


def decide(
    delivered_revision: int | None,
    revision: int,
    delivered_origin: Origin | None = None,
    origin: Origin | None = None,
    passed_origins: Collection[Origin] = (),
) -> Decision:
    """Decision for ``revision`` given the highest revision delivered so far.

    ``delivered_origin`` and ``origin`` say where the delivered revision and this one
    were read on the originator's inbound topic (None: not known); the originator's
    order on that partition, not the order the hub read them in, decides "late".
    ``passed_origins`` are where every revision of the alert passed on so far was read:
    a lower revision read from one of them was passed already (a re-reading).
    """
    if delivered_revision is None:
        return Decision.NEW
    if revision > delivered_revision:
        return Decision.UPDATE
    if revision == delivered_revision:
        return Decision.DUPLICATE
    if origin is not None and origin in passed_origins:
        return Decision.DUPLICATE
    if (
        delivered_origin is not None
        and origin is not None
        and origin[0] == delivered_origin[0]
        and origin[1] < delivered_origin[1]
    ):
        return Decision.SUPERSEDED
    return Decision.STALE


def value_digest(value: bytes) -> bytes:
    """Digest of a record value for exact-redelivery detection."""
    return hashlib.sha256(value).digest()


_DIGEST_ENTRY = struct.Struct(">qHIq")
_REVISION_ENTRY = struct.Struct(">iqH")
_REVISION_ORIGIN = struct.Struct(">iq")
# Where (event time, partition) sits in each entry: read on every table write and expiry.
_DIGEST_WRITTEN_AT = struct.Struct(">qH")
_REVISION_WRITTEN_AT = struct.Struct(">4xqH")
_NO_ORIGIN = -1
#: Where earlier revisions passed on were read, kept per alert (the latest ones): an alert
#: has a handful of revisions; the bound keeps a pathological one's entry small.
MAX_EARLIER_ORIGINS = 32


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


def revision_entry(
    revision: int,
    written_ms: int,
    partition: int,
    origin: Origin | None = None,
    earlier: Sequence[Origin] = (),
) -> bytes:
    """Table value for an alert: the highest revision delivered, when it was written, and
    where it was read on the inbound topic (appended; entries written before lack it),
    then where earlier revisions passed on were read (the latest ``MAX_EARLIER_ORIGINS``)."""
    inbound = origin if origin is not None else (_NO_ORIGIN, _NO_ORIGIN)
    kept = list(earlier)[-MAX_EARLIER_ORIGINS:]
    return b"".join(
        [
            _REVISION_ENTRY.pack(revision, written_ms, partition),
            _REVISION_ORIGIN.pack(*inbound),
            *(_REVISION_ORIGIN.pack(*o) for o in kept),
        ]
    )


def digest_written_at(value: bytes) -> tuple[int, int]:
    """``(written_ms, partition)`` of a digest table value."""
    written_ms, partition = _DIGEST_WRITTEN_AT.unpack_from(value)
    return written_ms, partition


def revision_written_at(value: bytes) -> tuple[int, int]:
    """``(written_ms, partition)`` of a revision table value."""
    written_ms, partition = _REVISION_WRITTEN_AT.unpack_from(value)
    return written_ms, partition


def parse_revision_entry(value: bytes) -> tuple[int, int, int]:
    """``(revision, written_ms, partition)`` of a revision table value."""
    revision, written_ms, partition = _REVISION_ENTRY.unpack_from(value)
    return revision, written_ms, partition


def parse_revision_origin(value: bytes) -> Origin | None:
    """Where the delivered revision was read on the inbound topic, if the entry says."""
    if len(value) < _REVISION_ENTRY.size + _REVISION_ORIGIN.size:
        return None
    partition, offset = _REVISION_ORIGIN.unpack_from(value, _REVISION_ENTRY.size)
    return None if partition == _NO_ORIGIN else (partition, offset)


def parse_earlier_origins(value: bytes) -> list[Origin]:
    """Where the revisions passed on before the delivered one were read (oldest first)."""
    start = _REVISION_ENTRY.size + _REVISION_ORIGIN.size
    return [(p, offset) for p, offset in _REVISION_ORIGIN.iter_unpack(value[start:])]


def parse_passed_origins(value: bytes) -> list[Origin]:
    """Where every revision of the alert passed on was read, the delivered one last."""
    delivered = parse_revision_origin(value)
    earlier = parse_earlier_origins(value)
    return earlier if delivered is None else [*earlier, delivered]


def format_origin(partition: int, offset: int) -> bytes:
    """The verified topic's header value telling where a record was read on its inbound topic."""
    return f"{partition}:{offset}".encode()


def parse_origin(raw: bytes | None) -> Origin | None:
    """The inverse of :func:`format_origin` (None when absent or malformed)."""
    if raw is None:
        return None
    partition, _, offset = raw.partition(b":")
    if not (partition.isdigit() and offset.isdigit()):
        return None
    return int(partition), int(offset)

"""The deduplication state machine over retained Faust tables (no Kafka I/O here).

``ExactRepeats`` sits in front of verification: a record whose exact bytes were
verified before is not verified again: dropped if it is the same record read again,
quarantined as a replay if it arrived in a new one. ``RevisionGate``
sits after it: per signed ``AGENCY:alert_id`` only a higher revision passes.
:mod:`streams.dedupe_batch` runs the gate over batches of verified records.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence

from streams.dedupe import (
    Decision,
    Origin,
    decide,
    digest_entry,
    digest_written_at,
    parse_digest_entry,
    parse_earlier_origins,
    parse_passed_origins,
    parse_revision_entry,
    parse_revision_origin,
    revision_entry,
    revision_written_at,
    topic_tag,
    value_digest,
)
from streams.metrics import StreamMetrics
from streams.tables import RetainedTable

logger = logging.getLogger(__name__)

DIGESTS_TABLE = "dedupe-digests"
REVISIONS_TABLE = "dedupe-revisions"


def inbound_agency(topic: str) -> str:
    """The agency of an inbound topic ``<prefix>.inbound.<AGENCY>`` (ids have no dot)."""
    return topic.rpartition(".")[2]


def key_agency(key: bytes) -> str:
    """The originating agency of a verified record's key ``AGENCY:alert_id``."""
    return key.partition(b":")[0].decode("utf-8", "replace")


class Repeat(enum.Enum):
    """What the exact-repeat check found."""

    FIRST = "first"
    """Not seen within the window: verify it."""
    REREAD = "reread"
    """The same Kafka record read again after a restart: drop silently."""
    REPLAYED = "replayed"
    """Bytes already verified, arriving in another record of the same topic: quarantine."""
    OTHER_TOPIC = "other_topic"
    """Bytes already verified on another topic: verify, which reports the wrong topic."""


class ExactRepeats:
    """Digests of verified records, with the record they came in, within the window."""

    def __init__(self, table: object, window_ms: int, metrics: StreamMetrics) -> None:
        self.state = RetainedTable(table, window_ms, digest_written_at)
        self._metrics = metrics

    def check(self, value: bytes, topic: str, partition: int, offset: int, event_ms: int) -> Repeat:
        """Whether these exact bytes were verified before, and in which record; expires old ones."""
        self._metrics.expired.labels(DIGESTS_TABLE).inc(self.state.expire(partition, event_ms))
        stored = self.state.get(value_digest(value))
        if stored is None:
            return Repeat.FIRST
        _, first_partition, first_topic, first_offset = parse_digest_entry(stored)
        if first_topic != topic_tag(topic):
            return Repeat.OTHER_TOPIC
        if (first_partition, first_offset) == (partition, offset):
            self._metrics.dropped.labels(kind="exact", agency=inbound_agency(topic)).inc()
            return Repeat.REREAD
        return Repeat.REPLAYED

    def remember(
        self, value: bytes, topic: str, partition: int, offset: int, event_ms: int
    ) -> None:
        """Record that ``value`` verified in this record. Only ever called for verified ones."""
        entry = digest_entry(event_ms, partition, topic_tag(topic), offset)
        self.state.put(value_digest(value), entry, partition, event_ms)
        self._metrics.state_entries.labels(DIGESTS_TABLE).set(len(self.state))


class RevisionGate:
    """Highest revision passed on per alert: new and higher pass, the rest is dropped."""

    def __init__(self, table: object, window_ms: int, metrics: StreamMetrics) -> None:
        self.state = RetainedTable(table, window_ms, revision_written_at)
        self._metrics = metrics

    def decide(
        self,
        key: bytes,
        revision: int,
        partition: int,
        event_ms: int,
        origin: Origin | None = None,
    ) -> Decision:
        """Decide for one verified alert read at ``origin`` of its inbound topic; drops are
        counted here, passes by :meth:`passed`."""
        self._metrics.expired.labels(REVISIONS_TABLE).inc(self.state.expire(partition, event_ms))
        stored = self.state.get(key)
        delivered = parse_revision_entry(stored)[0] if stored is not None else None
        delivered_origin = parse_revision_origin(stored) if stored is not None else None
        passed = parse_passed_origins(stored) if stored is not None else []
        decision = decide(delivered, revision, delivered_origin, origin, passed)
        if decision in (Decision.DUPLICATE, Decision.STALE):
            self._metrics.dropped.labels(kind=decision.value, agency=key_agency(key)).inc()
        if decision is Decision.SUPERSEDED:
            logger.error(
                "%s revision %d read after revision %d although published before it "
                "(inbound %s, %s): passed on as superseded",
                key.decode("utf-8", "replace"),
                revision,
                delivered,
                origin,
                delivered_origin,
            )
        return decision

    def passed_origins(self, key: bytes) -> list[Origin]:
        """Where every revision of ``key`` passed on so far was read (the latest last)."""
        stored = self.state.get(key)
        return parse_passed_origins(stored) if stored is not None else []

    def passed(
        self,
        key: bytes,
        revision: int,
        partition: int,
        event_ms: int,
        decision: Decision,
        origin: Origin | None = None,
        earlier: Sequence[Origin] | None = None,
    ) -> None:
        """Remember a new alert or update once the broker acknowledged passing it on.

        Remembering it before the send could lose it: after a crash the record
        would be re-read and found "already delivered". The higher revision delivered
        stays the one remembered after a superseded one; where every revision passed on
        was read is kept too, so that re-reading one of them after a restart is told
        from a late read (:func:`streams.dedupe.decide`). ``earlier`` is
        :meth:`passed_origins` as it was when the revision was decided (default: now):
        a batch may have expired the entry since, one record at a time would not have.
        """
        stored = self.state.get(key)
        if decision is not Decision.SUPERSEDED:
            if earlier is None:
                earlier = self.passed_origins(key)
            entry = revision_entry(revision, event_ms, partition, origin, earlier)
            self.state.put(key, entry, partition, event_ms)
        elif stored is not None and origin is not None:
            kept, written_ms, written_partition = parse_revision_entry(stored)
            entry = revision_entry(
                kept,
                written_ms,
                written_partition,
                parse_revision_origin(stored),
                [*parse_earlier_origins(stored), origin],
            )
            self.state.put(key, entry, written_partition, written_ms)
        self._metrics.accepted.labels(status=decision.value, agency=key_agency(key)).inc()
        self._metrics.state_entries.labels(REVISIONS_TABLE).set(len(self.state))

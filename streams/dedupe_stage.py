"""The deduplication state machine over retained Faust tables (no Kafka I/O here).

``ExactRepeats`` sits in front of verification: a record whose exact bytes were
verified before is not verified again: dropped if it is the same record read again,
quarantined as a replay if it arrived in a new one. ``RevisionGate``
sits after it: per signed ``AGENCY:alert_id`` only a higher revision passes.
``DedupeStage`` runs the gate over a batch of verified records (see
:mod:`streams.stage_plan`), decided as if they came one at a time.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from schemas import hub_headers
from schemas.codec import DECODE_ERRORS, decode_single_object
from schemas.envelope import HEADER_MESSAGE_ID, open_envelope
from schemas.errors import VerifyError
from streams.audit_events import dedupe_drop_event
from streams.dedupe import (
    Decision,
    Origin,
    decide,
    digest_entry,
    parse_digest_entry,
    parse_origin,
    parse_revision_entry,
    parse_revision_origin,
    revision_entry,
    topic_tag,
    value_digest,
)
from streams.features import features_of
from streams.metrics import StreamMetrics
from streams.outputs import poison, record_headers, unusable_verified
from streams.stage_plan import (
    ALERTS,
    AUDIT,
    CORRELATION,
    EnterEvent,
    Output,
    Step,
    event_ms,
    no_enter,
    quarantined,
)
from streams.tables import RetainedTable

logger = logging.getLogger(__name__)

DIGESTS_TABLE = "dedupe-digests"
REVISIONS_TABLE = "dedupe-revisions"
STAGE_DEDUPE = "dedupe"

#: The revision status of each decision that passes a revision on to the alerts topic.
PASSED_STATUS = {
    Decision.NEW: hub_headers.STATUS_NEW,
    Decision.UPDATE: hub_headers.STATUS_UPDATE,
    Decision.SUPERSEDED: hub_headers.STATUS_SUPERSEDED,
}
#: The correlation topic has one partition; every record carries this key.
CORRELATION_KEY = b"taskforce"


def _digest_written_at(value: bytes) -> tuple[int, int]:
    written_ms, partition, _, _ = parse_digest_entry(value)
    return written_ms, partition


def _revision_written_at(value: bytes) -> tuple[int, int]:
    _, written_ms, partition = parse_revision_entry(value)
    return written_ms, partition


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
        self.state = RetainedTable(table, window_ms, _digest_written_at)
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
        self.state = RetainedTable(table, window_ms, _revision_written_at)
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
        decision = decide(delivered, revision, delivered_origin, origin)
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

    def passed(
        self,
        key: bytes,
        revision: int,
        partition: int,
        event_ms: int,
        decision: Decision,
        origin: Origin | None = None,
    ) -> None:
        """Remember a new alert or update once the broker acknowledged passing it on.

        Remembering it before the send could lose it: after a crash the record
        would be re-read and found "already delivered". A superseded revision is
        counted only: the higher revision delivered stays the one remembered.
        """
        if decision is not Decision.SUPERSEDED:
            entry = revision_entry(revision, event_ms, partition, origin)
            self.state.put(key, entry, partition, event_ms)
        self._metrics.accepted.labels(status=decision.value, agency=key_agency(key)).inc()
        self._metrics.state_entries.labels(REVISIONS_TABLE).set(len(self.state))


@dataclass(frozen=True)
class Pass:
    """What the gate remembers of a revision passed on, once acknowledged."""

    revision: int
    """The revision passed on."""
    event_ms: int
    """Event time of its verified record."""
    decision: Decision
    """New, update or superseded."""
    origin: Origin | None
    """Where it was read on its inbound topic."""
    agency: str | None
    """The signing agency (None: the envelope did not open, a bug upstream)."""
    produced_at: dt.datetime | None
    """Its signed produce time, for the produce-to-alerts latency."""


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "replace")


class DedupeStage:
    """Passes on new alerts and higher revisions (as updates); drops repeats and stale ones."""

    name = STAGE_DEDUPE

    def __init__(
        self, gate: RevisionGate, metrics: StreamMetrics, enter: EnterEvent = no_enter
    ) -> None:
        self.gate = gate
        self._metrics = metrics
        self._enter = enter

    def process(self, events: Sequence[Any]) -> list[Step]:
        """Decide the longest prefix of ``events`` that needs no acknowledgement in between:
        it ends before a second record of an alert whose new revision is not yet remembered.
        """
        steps: list[Step] = []
        awaited: set[bytes] = set()  # alerts whose revision this prefix passes on
        for event in events:
            key = event.message.key
            if key in awaited:
                break
            self._enter(event)
            step = self._step(event)
            if (
                isinstance(step.remember, Pass)
                and step.remember.decision is not Decision.SUPERSEDED
            ):
                awaited.add(key)
            steps.append(step)
        return steps

    def acknowledged(self, step: Step) -> None:
        """``step``'s revision and its features were acknowledged: remember it (and time it)."""
        message, passed = step.event.message, step.remember
        assert isinstance(passed, Pass)
        if passed.produced_at is not None and passed.agency is not None:
            seconds = (dt.datetime.now(dt.UTC) - passed.produced_at).total_seconds()
            self._metrics.produce_to_alerts.labels(passed.agency).observe(max(seconds, 0.0))
        self._enter(step.event)
        self.gate.passed(
            message.key,
            passed.revision,
            message.partition,
            passed.event_ms,
            passed.decision,
            passed.origin,
        )

    def _step(self, event: Any) -> Step:
        message = event.message
        headers = record_headers(message)
        raw_revision = hub_headers.header_value(headers, hub_headers.REVISION)
        unusable = unusable_verified(message.key, message.value, raw_revision)
        if unusable is not None:  # the hub wrote neither: quarantined, never dropped
            reason, detail = unusable
            rejected = poison(self._metrics, message, STAGE_DEDUPE, reason, detail)
            return quarantined(event, STAGE_DEDUPE, rejected)
        assert raw_revision is not None
        revision = int(raw_revision)
        at_ms = event_ms(message)
        origin = parse_origin(hub_headers.header_value(headers, hub_headers.INBOUND_OFFSET))
        decision = self.gate.decide(message.key, revision, message.partition, at_ms, origin)
        if decision not in PASSED_STATUS:
            # Invisible on every topic: told to the auditor (acknowledged, like any send).
            drop = dedupe_drop_event(
                key=message.key,
                value=message.value,
                revision=revision,
                decision=decision,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                at_ms=int(time.time() * 1000),
                message_id=_text(hub_headers.header_value(headers, HEADER_MESSAGE_ID)),
            )
            return Step(event, STAGE_DEDUPE, sent=[Output(AUDIT, message.key, drop)])
        forwarded = [
            *hub_headers.without_hub_headers(headers),
            (hub_headers.REVISION_STATUS, PASSED_STATUS[decision]),
        ]
        # A superseded revision must not replace the newer one's correlation features.
        agency, produced_at, features = _opened(message.value, decision is not Decision.SUPERSEDED)
        return Step(
            event,
            STAGE_DEDUPE,
            passed=Output(ALERTS, message.key, message.value, forwarded),
            follow_ups=[] if features is None else [Output(CORRELATION, CORRELATION_KEY, features)],
            remember=Pass(revision, at_ms, decision, origin, agency, produced_at),
        )


def _opened(
    value: bytes, with_features: bool
) -> tuple[str | None, dt.datetime | None, bytes | None]:
    """Signing agency, signed produce time and (if asked) correlation features of a verified
    record value, from one opening of the envelope; None where it cannot be read (logged)."""
    try:
        envelope = open_envelope(value)
    except VerifyError as exc:  # verified upstream: a bug if it happens
        logger.error("cannot read the envelope of a verified record: %r", exc)
        return None, None, None
    header = envelope.header
    if not with_features:
        return header.agency, header.produced_at, None
    try:
        _, alert = decode_single_object(envelope.payload)
        features = features_of(alert).to_json()
    except DECODE_ERRORS as exc:  # verified upstream: a bug if it happens
        logger.error("cannot extract correlation features: %r", exc)
        features = None
    return header.agency, header.produced_at, features

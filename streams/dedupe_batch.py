"""The dedupe stage over a batch of verified records: pass new alerts and higher revisions.

:meth:`DedupeStage.process` decides a batch with the :class:`~streams.dedupe_stage.RevisionGate`
and no Kafka I/O (:mod:`streams.stage_plan`); a revision passed on is remembered only once
the broker acknowledged it and its correlation features (:meth:`DedupeStage.acknowledged`).
A batch is decided as if its records came one at a time: a second record of an alert
whose pass is not yet acknowledged ends the prefix decided, and is decided in the next
call. The envelope of a record passed on is opened once, for its features and its
signed produce time.
"""

from __future__ import annotations

import datetime as dt
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
from streams.dedupe import Decision, Origin, parse_origin
from streams.dedupe_stage import RevisionGate
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

logger = logging.getLogger(__name__)

STAGE_DEDUPE = "dedupe"

#: The revision status of each decision that passes a revision on to the alerts topic.
PASSED_STATUS = {
    Decision.NEW: hub_headers.STATUS_NEW,
    Decision.UPDATE: hub_headers.STATUS_UPDATE,
    Decision.SUPERSEDED: hub_headers.STATUS_SUPERSEDED,
}
#: The correlation topic has one partition; every record carries this key.
CORRELATION_KEY = b"taskforce"


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
    earlier: tuple[Origin, ...] = ()
    """Where the revisions passed on before it were read, when it was decided."""


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
        it ends before a second record of an alert whose pass is not yet remembered.
        """
        steps: list[Step] = []
        awaited: set[bytes] = set()  # alerts whose revision this prefix passes on
        for event in events:
            key = event.message.key
            if key in awaited:
                break
            self._enter(event)
            step = self._step(event)
            if isinstance(step.remember, Pass):
                # A superseded pass is remembered too (where it was read): a copy of it
                # later in the batch is a duplicate only once that is.
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
            passed.earlier,
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
        agency, produced_at, features = _opened(
            message.value,
            decision is not Decision.SUPERSEDED,
            hub_headers.header_value(headers, hub_headers.FEATURES),
        )
        return Step(
            event,
            STAGE_DEDUPE,
            passed=Output(ALERTS, message.key, message.value, forwarded),
            follow_ups=[] if features is None else [Output(CORRELATION, CORRELATION_KEY, features)],
            remember=Pass(
                revision,
                at_ms,
                decision,
                origin,
                agency,
                produced_at,
                tuple(self.gate.passed_origins(message.key)),
            ),
        )


def _opened(
    value: bytes, with_features: bool, carried: bytes | None = None
) -> tuple[str | None, dt.datetime | None, bytes | None]:
    """Signing agency, signed produce time and (if asked) correlation features of a verified
    record value, from one opening of the envelope; None where it cannot be read (logged).

    The features the verify stage carried in a header are taken as they are; the payload
    is decoded for them only when they are missing (a record verified before they were
    carried, or one whose features the verify stage could not extract).
    """
    try:
        envelope = open_envelope(value)
    except VerifyError as exc:  # verified upstream: a bug if it happens
        logger.error("cannot read the envelope of a verified record: %r", exc)
        return None, None, None
    header = envelope.header
    if not with_features or carried is not None:
        return header.agency, header.produced_at, carried if with_features else None
    try:
        _, alert = decode_single_object(envelope.payload)
        features = features_of(alert).to_json()
    except DECODE_ERRORS as exc:  # verified upstream: a bug if it happens
        logger.error("cannot extract correlation features: %r", exc)
        features = None
    return header.agency, header.produced_at, features

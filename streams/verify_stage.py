"""The verify stage over a batch of inbound records: drop exact repeats, verify the rest.

:meth:`VerifyStage.process` decides a batch without Kafka I/O and returns what to send
(:mod:`streams.stage_plan`); the digest of a record is remembered only once the broker
acknowledged passing it on (:meth:`VerifyStage.acknowledged`). A batch is decided as if
its records came one at a time: a record whose decision would depend on an earlier
record of the batch not yet acknowledged (the same bytes again) ends the prefix decided,
and is decided in the next call, once the earlier one is remembered or not.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from schemas import hub_headers, reasons
from schemas.envelope import RecordHeaders, check_record_headers, open_envelope
from schemas.errors import VerifyError
from schemas.quarantine import SourceRecord
from schemas.topics import message_key
from schemas.verification import VerifiedAlert
from streams.dedupe import format_origin, value_digest
from streams.dedupe_stage import ExactRepeats, Repeat
from streams.features import features_of
from streams.metrics import StreamMetrics
from streams.outputs import poison, record_headers
from streams.stage_plan import VERIFIED, EnterEvent, Output, Step, event_ms, no_enter, quarantined
from streams.verifier import Rejected, Verifier

logger = logging.getLogger(__name__)

STAGE_VERIFY = "verify"
#: Kafka's timestamp type of a record the broker stamped when appending it.
LOG_APPEND_TIME = 1


def arrived_at(message: Any) -> dt.datetime:
    """When the broker appended an inbound record (LogAppendTime), else the processing time.

    Inbound topics are created with LogAppendTime, which no sender can set; with a
    producer-set CreateTime the wall clock is the only time a sender cannot forge.
    """
    if getattr(message, "timestamp_type", None) == LOG_APPEND_TIME:
        return dt.datetime.fromtimestamp(message.timestamp, dt.UTC)
    return dt.datetime.now(dt.UTC)


class VerifyStage:
    """Exact repeats, then signature and freshness; passes on keyed by the signed identity."""

    name = STAGE_VERIFY

    def __init__(
        self,
        verifier: Verifier,
        repeats: ExactRepeats,
        metrics: StreamMetrics,
        enter: EnterEvent = no_enter,
    ) -> None:
        self.verifier = verifier
        self.repeats = repeats
        self._metrics = metrics
        self._enter = enter

    def process(self, events: Sequence[Any]) -> list[Step]:
        """Decide the longest prefix of ``events`` that needs no acknowledgement in between.

        Returns one step per record of the prefix (at least one if ``events`` is not empty).
        """
        steps: list[Step] = []
        awaited: set[bytes] = set()  # digests passed on in this prefix, not yet remembered
        for event in events:
            value = event.message.value
            digest = None if value is None else value_digest(value)
            if digest is not None and digest in awaited:
                break
            self._enter(event)
            step = self._step(event)
            if step.passed is not None and digest is not None:
                awaited.add(digest)
            steps.append(step)
        return steps

    def acknowledged(self, step: Step) -> None:
        """``step``'s record was passed on: remember its bytes as verified in its record."""
        message = step.event.message
        self._enter(step.event)
        self.repeats.remember(
            message.value, message.topic, message.partition, message.offset, event_ms(message)
        )

    def _step(self, event: Any) -> Step:
        message = event.message
        try:
            result = self._screen(message)
        except Exception as exc:  # an unforeseen shape must not stop the stage
            logger.exception("cannot verify %s@%d", message.topic, message.offset)
            detail = f"{type(exc).__name__}: {exc}"
            result = poison(self._metrics, message, STAGE_VERIFY, reasons.UNPROCESSABLE, detail)
        if result is None:
            return Step(event, STAGE_VERIFY)
        if isinstance(result, Rejected):
            return quarantined(event, STAGE_VERIFY, result)
        alert = result.alert
        # The record key is not signed: downstream stages are keyed by the signed identity.
        key = message_key(alert["agency"], alert["alert_id"])
        forwarded = [
            *hub_headers.without_hub_headers(record_headers(message)),
            (hub_headers.REVISION, str(alert["revision"]).encode()),
            (hub_headers.INBOUND_OFFSET, format_origin(message.partition, message.offset)),
            *_carried_features(alert, message),
        ]
        return Step(event, STAGE_VERIFY, passed=Output(VERIFIED, key, message.value, forwarded))

    def _screen(self, message: Any) -> VerifiedAlert | Rejected | None:
        """Verify one inbound record (None: the hub's own re-reading of an accepted one)."""
        headers = record_headers(message)
        source = SourceRecord.of(message, headers)
        if message.value is None:  # no digest to look up: straight to its rejection
            return self.verifier.check(source, arrived_at(message))
        repeat = self.repeats.check(
            message.value, message.topic, message.partition, message.offset, event_ms(message)
        )
        if repeat is Repeat.REREAD:
            return None
        if repeat is Repeat.REPLAYED:
            return replayed(self.verifier, source, headers)
        return self.verifier.check(source, arrived_at(message))


def _carried_features(alert: dict[str, Any], message: Any) -> RecordHeaders:
    """The alert's correlation features as a header, from the payload decoded here, so that
    deduplication does not decode it again. None where they cannot be extracted (logged):
    deduplication then extracts them itself, and reports why if it cannot either."""
    try:
        return [(hub_headers.FEATURES, features_of(alert).to_json())]
    except Exception:  # an unforeseen shape must not cost the alert its delivery
        logger.exception("cannot extract correlation features %s@%d", message.topic, message.offset)
        return []


def replayed(verifier: Verifier, source: SourceRecord, headers: RecordHeaders) -> Rejected:
    """Quarantine verified bytes that came again: as a replay, unless the headers were altered.

    The signature needs no second check, but steps 1-5 (envelope and record headers)
    run again so that tampered headers get their own reason whatever arrived first.
    """
    assert source.value is not None
    verifier.count_received(source)
    try:
        check_record_headers(open_envelope(source.value).header, headers)
    except VerifyError as exc:
        return verifier.reject(source, exc.reason, exc.detail)
    return verifier.reject(
        source,
        reasons.REPLAYED,
        "these exact bytes were already accepted from another record of this topic",
    )

"""A stage's outputs and quarantine: no record of any size or shape stops the stage.

Quarantine records are sent acknowledged (:func:`streams.sending.send_acknowledged`) and
bounded (:mod:`schemas.quarantine`), so they can always be written. An output the Kafka
client or broker refuses for the record itself (too large, invalid) can never be written:
the stage runner (:mod:`streams.stage_runner`) and the correlate agent quarantine its
input instead, as ``record_too_large``, and the stage goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from schemas import reasons
from schemas.envelope import RecordHeaders
from schemas.quarantine import SourceRecord
from streams.metrics import StreamMetrics
from streams.sending import send_acknowledged
from streams.verifier import Rejected, rejection

logger = logging.getLogger(__name__)


def record_headers(message: Any) -> RecordHeaders:
    """A record's headers as (name, bytes); a null header value reads as empty bytes."""
    raw = message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return [(str(name), b"" if value is None else bytes(value)) for name, value in items]


def unusable_verified(
    key: bytes | None, value: bytes | None, revision: bytes | None
) -> tuple[str, str] | None:
    """Why a record of the verified topic cannot be deduplicated (reason, detail), if so."""
    if value is None:
        return reasons.TOMBSTONE, "record has no value (tombstone)"
    if key is None:
        return reasons.UNPROCESSABLE, "verified record without a key"
    if revision is None or not revision.isdigit() or len(revision) > 9:
        return reasons.UNPROCESSABLE, "verified record without a revision header"
    return None


def poison(metrics: StreamMetrics, message: Any, stage: str, reason: str, detail: str) -> Rejected:
    """The rejection of a record ``stage`` cannot handle, counted."""
    metrics.quarantined.labels(stage=stage, reason=reason, agency="").inc()
    source = SourceRecord.of(message, record_headers(message))
    return rejection(metrics, source, stage, reason, detail)


class StageOutputs:
    """Sends the worker's outputs; quarantines what a stage cannot handle or pass on."""

    def __init__(self, quarantine_topic: Any, metrics: StreamMetrics) -> None:
        self._quarantine_topic = quarantine_topic
        self._metrics = metrics

    async def quarantine(self, message: Any, rejected: Rejected) -> None:
        """Write ``rejected``'s (bounded) quarantine record, acknowledged."""
        logger.warning(
            "quarantined %s[%d]@%d: %s",
            message.topic,
            message.partition,
            message.offset,
            rejected.reason,
        )
        await send_acknowledged(
            self._quarantine_topic,
            message.key,
            rejected.quarantine_value,
            retried=self._metrics.send_retries.labels("quarantine"),
        )

    def poison(self, message: Any, stage: str, reason: str, detail: str) -> Rejected:
        """The rejection of a record ``stage`` cannot handle, counted."""
        return poison(self._metrics, message, stage, reason, detail)

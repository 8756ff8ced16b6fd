"""Sending a rejected record to the quarantine topic from a kafka-python service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from consumers.kafka_clients import send_or_failed
from schemas import reasons
from schemas.envelope import RecordHeaders
from schemas.quarantine import SourceRecord, build_quarantine


def send_to_quarantine(
    producer: Any,
    topic: str,
    record: Any,
    headers: RecordHeaders,
    *,
    stage: str,
    reason: str,
    detail: str,
    poison: Any = None,
    truncated: Any = None,
) -> Any:
    """Send the (bounded) quarantine record of a consumed ``record``; returns its future.

    The caller checks the future like any other send: a rejection is not done until
    its quarantine record was acknowledged. ``poison`` and ``truncated`` (the service's
    ``corridor_poison_records`` and ``corridor_quarantine_truncated`` counters, optional)
    count a record quarantined for its size or shape, and one kept only by its digest.
    """
    payload = build_quarantine(
        SourceRecord.of(record, headers),
        stage=stage,
        reason=reason,
        detail=detail,
        at=dt.datetime.now(dt.UTC),
    )
    if poison is not None and reason in reasons.POISON:
        poison.labels(stage, reason).inc()
    if truncated is not None and payload.truncated:
        truncated.labels(stage).inc()
    return send_or_failed(producer, topic, key=record.key, value=payload.data)

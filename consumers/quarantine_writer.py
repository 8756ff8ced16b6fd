"""Sending a rejected record to the quarantine topic from a kafka-python service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.envelope import RecordHeaders
from schemas.quarantine import SourceRecord, quarantine_record


def send_to_quarantine(
    producer: Any,
    topic: str,
    record: Any,
    headers: RecordHeaders,
    *,
    stage: str,
    reason: str,
    detail: str,
) -> Any:
    """Send the quarantine record of a consumed ``record``; returns the send's future.

    The caller checks the future like any other send: a rejection is not done until
    its quarantine record was acknowledged.
    """
    payload = quarantine_record(
        SourceRecord.of(record, headers),
        stage=stage,
        reason=reason,
        detail=detail,
        at=dt.datetime.now(dt.UTC),
    )
    return producer.send(topic, key=record.key, value=payload)

"""What a webhook worker writes to Kafka, each write acknowledged (acks=all) or raising.

An audit event when an agency accepted a POST, a dead letter when a delivery failed
every attempt, and a quarantine record when that dead letter is itself too large to
write. The worker commits an inbox offset only after the write for it returned.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from kafka.errors import KafkaError

from consumers.errors import DeliveryError
from consumers.quarantine_writer import send_to_quarantine
from consumers.webhooks.body import InboxRecord
from consumers.webhooks.client import PostResult
from consumers.webhooks.dead_letters import DeadLetter, dead_letter_value
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.settings import WebhookSettings
from producers.errors import SendRefused
from producers.send_failures import SendFailure, cause_name, classify
from schemas import audit, reasons

logger = logging.getLogger(__name__)

#: The ``stage`` of the dispatcher's quarantine records.
STAGE = "webhooks"


def describe_failure(result: PostResult) -> str:
    """A log-safe line about a failed attempt (no URL, no response body)."""
    return result.error or f"HTTP {result.status}"


class WebhookWrites:
    """One agency's acknowledged writes, through the dispatcher's shared producer."""

    def __init__(
        self, agency: str, settings: WebhookSettings, producer: Any, metrics: WebhookMetrics
    ) -> None:
        self.agency = agency
        self._settings = settings
        self._producer = producer
        self._metrics = metrics

    def audit_delivered(self, delivery_id: str, attempts: int, result: PostResult) -> None:
        """Tell the auditor the agency accepted the POST: no topic shows it (acknowledged).

        Raises DeliveryError if the broker does not acknowledge: the record is then POSTed
        again after the rewind, and the receiver keeps the first copy of a delivery id.
        """
        value = audit.audit_event_value(
            audit.WEBHOOK_DELIVERED,
            int(time.time() * 1000),
            {
                "agency": self.agency,
                "delivery": delivery_id,
                "attempts": attempts,
                "http_status": result.status,
            },
        )
        topic = self._settings.taskforce.topics.audit_events
        self._send(topic, delivery_id, value, "audit event")

    def _send(self, topic: str, delivery_id: str, value: bytes, what: str) -> None:
        """Write ``value`` keyed by the delivery id; DeliveryError unless acknowledged.

        Raises :class:`SendRefused` instead when no retry can change the failure.
        """
        try:
            future = self._producer.send(topic, key=delivery_id.encode(), value=value)
            future.get(timeout=self._settings.produce_timeout_s)
        except KafkaError as exc:
            failure = classify(exc)
            if failure is not SendFailure.RETRIABLE:
                refused = failure is SendFailure.RECORD_REFUSED
                raise SendRefused(topic, cause_name(exc), record_refused=refused) from exc
            raise DeliveryError(f"{what} of {delivery_id} not acknowledged: {exc}") from exc

    def dead_letter(
        self,
        record: InboxRecord,
        delivery_id: str,
        attempts: int,
        result: PostResult,
        first_at: dt.datetime,
        last_at: dt.datetime,
    ) -> None:
        letter = DeadLetter(
            delivery_id=delivery_id,
            agency=self.agency,
            attempts=attempts,
            last_status=result.status,
            last_error=describe_failure(result),
            first_attempt_at=first_at,
            last_attempt_at=last_at,
            record=record,
        )
        value = dead_letter_value(letter, dt.datetime.now(dt.UTC))
        topic = self._settings.taskforce.topics.dead_letters
        try:
            self._send(topic, delivery_id, value, "dead letter")
        except SendRefused as exc:
            if not exc.record_refused:
                raise
            self._quarantine(record, f"dead letter of {delivery_id} refused: {exc}")
        self._metrics.dead_lettered.labels(self.agency).inc()
        logger.error(
            "delivery %s to %s dead-lettered after %d attempts: %s",
            delivery_id,
            self.agency,
            attempts,
            letter.last_error,
        )

    def _quarantine(self, record: InboxRecord, detail: str) -> None:
        """Quarantine an inbox record whose dead letter is too large (bounded, acknowledged)."""
        topics = self._settings.taskforce.topics
        try:
            future = send_to_quarantine(
                self._producer,
                topics.quarantine,
                record,
                record.headers,
                stage=STAGE,
                reason=reasons.RECORD_TOO_LARGE,
                detail=detail,
                poison=self._metrics.poison,
                truncated=self._metrics.truncated,
            )
            future.get(timeout=self._settings.produce_timeout_s)
        except KafkaError as exc:
            raise DeliveryError(f"quarantine of {record.topic}@{record.offset}: {exc}") from exc

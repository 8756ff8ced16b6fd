"""One agency's webhook deliveries: its inbox POSTed in order, retried, or dead-lettered.

An inbox offset is committed only after its POST got a 2xx, or its dead-letter record
was acknowledged by Kafka (acks=all); see :mod:`consumers.webhooks.dispatcher`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.errors import DeliveryError
from consumers.kafka_clients import kafka_consumer
from consumers.lag import GroupLagMonitor
from consumers.offsets import rewind_to_last_commit
from consumers.quarantine_writer import send_to_quarantine
from consumers.watched_consumer import WatchedConsumer
from consumers.webhooks.backoff import backoff_delay, worst_case_s
from consumers.webhooks.body import InboxRecord, webhook_body
from consumers.webhooks.client import PostResult, WebhookClient
from consumers.webhooks.dead_letters import DeadLetter, dead_letter_value
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.settings import WebhookSettings
from producers.errors import SendRefused
from producers.send_failures import SendFailure, cause_name, classify
from schemas import audit, reasons
from schemas.errors import ConfigError, CorridorError
from schemas.taskforce import Member

logger = logging.getLogger(__name__)

_MAX_POLL_INTERVAL_MS = 2**31 - 1
#: The ``stage`` of the dispatcher's quarantine records.
STAGE = "webhooks"


def describe_failure(result: PostResult) -> str:
    """A log-safe line about a failed attempt (no URL, no response body)."""
    return result.error or f"HTTP {result.status}"


class AgencyWorker:
    """POSTs one agency's inbox, in order, to its webhook."""

    def __init__(
        self,
        member: Member,
        settings: WebhookSettings,
        client: WebhookClient,
        producer: Any,
        metrics: WebhookMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if member.webhook is None:
            raise ConfigError(f"agency {member.agency_id} has no webhook")
        self.agency = member.agency_id
        self._url = member.webhook.url
        self._settings = settings
        self._policy = settings.taskforce.webhooks
        self._client = client
        self._producer = producer
        self._metrics = metrics
        self._rand = rand
        self._done: dict[TopicPartition, int] = {}
        self._since_commit = 0
        # A poll's records may each take the whole retry budget before the next poll.
        budget_ms = settings.max_batch * worst_case_s(self._policy) * 1000 + 60_000
        group = f"{settings.group_id}.{self.agency}"
        self._watched = WatchedConsumer(
            group,
            lambda: kafka_consumer(
                consumer_factory,
                settings.taskforce.topics.inbox(self.agency),
                bootstrap=settings.bootstrap,
                security=settings.security,
                group_id=group,
                client_id=f"corridor-webhooks-{self.agency}",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=settings.max_batch,
                max_poll_interval_ms=int(min(budget_ms, _MAX_POLL_INTERVAL_MS)),
                **settings.membership.for_group(self.agency).kafka_python_config(),
            ),
            metrics.consumer_restarts,
            stall_after_s=settings.stall_after_s,
        )
        self._consumer_factory = consumer_factory
        metrics.dead_lettered.labels(self.agency)  # none yet is worth showing: 0

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; a failure resumes from the last commit.

        The group's lag is measured beside it, from outside the group: measuring on the
        worker's own consumer between polls could stall its deliveries.
        """
        lag = GroupLagMonitor(
            self._settings.bootstrap,
            self._watched.group,
            (self._settings.taskforce.topics.inbox(self.agency),),
            self._metrics.lag,
            security=self._settings.security,
            interval_s=self._settings.lag_interval_s,
            consumer_factory=self._consumer_factory,
        )
        lag.start()
        self._watched.monitor = lag
        pause = 0.5
        try:
            while not stop.is_set():
                try:
                    self.step(stop)
                    pause = 0.5
                except SendRefused:
                    raise  # no retry can change it: the dispatcher stops, an operator acts
                except (CorridorError, KafkaError) as exc:
                    logger.warning(
                        "webhooks for %s: %s; resuming from the last commit", self.agency, exc
                    )
                    self._recover()
                    stop.wait(pause)
                    pause = min(pause * 2, 30.0)
            try:
                self._commit()
            except KafkaError as exc:  # the next start repeats these POSTs; receivers dedupe
                logger.warning("could not commit %s's last deliveries: %s", self.agency, exc)
        finally:
            self._watched.monitor = None
            lag.close()
            self._consumer.close(autocommit=False)

    @property
    def _consumer(self) -> Any:
        return self._watched.consumer

    def step(self, stop: threading.Event) -> int:
        """Poll once and handle the records; returns how many were done."""
        polled = self._watched.poll(self._settings.poll_timeout_ms)
        records = [r for batch in polled.values() for r in batch]
        if not records:
            self._commit()
            return 0
        done = 0
        for record in records:
            if not self.deliver(InboxRecord.of(record), stop):
                break  # stopping: this record stays uncommitted and is POSTed again later
            self._done[TopicPartition(record.topic, record.partition)] = record.offset + 1
            self._since_commit += 1
            done += 1
            if self._since_commit >= self._settings.commit_every:
                self._commit()
        return done

    def deliver(self, record: InboxRecord, stop: threading.Event) -> bool:
        """POST one record until it succeeds or is dead-lettered; False if stopped first."""
        delivery_id = record.delivery_id
        if delivery_id is None:
            # Not written by the delivery service; keep it visible rather than drop it.
            now = dt.datetime.now(dt.UTC)
            failed = PostResult(None, "inbox record has no corridor-delivery-id header", 0.0)
            self._dead_letter(record, storage_key_of(record), 0, failed, now, now)
            return True
        body = webhook_body(delivery_id, self.agency, record)
        first_at: dt.datetime | None = None
        attempt = 0
        while True:
            if stop.is_set():
                return False
            attempt += 1
            now = dt.datetime.now(dt.UTC)
            first_at = first_at or now
            result = self._client.post(self._url, delivery_id, body)
            self._metrics.attempts.labels(self.agency, result.outcome).inc()
            self._metrics.post_seconds.labels(self.agency).observe(result.seconds)
            if result.ok:
                logger.debug("delivered %s to %s (attempt %d)", delivery_id, self.agency, attempt)
                self._audit_delivered(delivery_id, attempt, result)
                return True
            if not result.retriable or attempt >= self._policy.max_attempts:
                self._dead_letter(record, delivery_id, attempt, result, first_at, now)
                return True
            delay = backoff_delay(attempt, self._policy, self._rand)
            logger.info(
                "webhook to %s failed for %s (attempt %d/%d: %s); retrying in %.2fs",
                self.agency,
                delivery_id,
                attempt,
                self._policy.max_attempts,
                describe_failure(result),
                delay,
            )
            if stop.wait(delay):
                return False

    def _audit_delivered(self, delivery_id: str, attempts: int, result: PostResult) -> None:
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
        self._send_acknowledged(topic, delivery_id, value, "audit event")

    def _send_acknowledged(self, topic: str, delivery_id: str, value: bytes, what: str) -> None:
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

    def _dead_letter(
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
            self._send_acknowledged(topic, delivery_id, value, "dead letter")
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

    def _commit(self) -> None:
        if not self._done:
            return
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in self._done.items()}
        self._consumer.commit(offsets)
        self._done.clear()
        self._since_commit = 0

    def _recover(self) -> None:
        """Commit what is done (if possible), then rewind to the committed offsets."""
        try:
            self._commit()
        except KafkaError as exc:
            logger.warning("could not commit %s's finished deliveries: %s", self.agency, exc)
            self._done.clear()
            self._since_commit = 0
        try:
            rewind_to_last_commit(self._consumer)
        except KafkaError as exc:
            logger.warning("could not rewind %s to the last commit: %s", self.agency, exc)


def storage_key_of(record: InboxRecord) -> str:
    """The id a record without a delivery id is dead-lettered under (its inbox position)."""
    return f"no-delivery-id:{record.partition}:{record.offset}"

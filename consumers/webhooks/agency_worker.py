"""One agency's webhook deliveries: its inbox POSTed in order, retried, or dead-lettered.

An inbox offset is committed only after its POST got a 2xx, or its dead-letter record
was acknowledged by Kafka (acks=all); see :mod:`consumers.webhooks.dispatcher`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.kafka_clients import kafka_consumer
from consumers.lag import GroupLagMonitor
from consumers.offsets import rewind_to_last_commit
from consumers.watched_consumer import WatchedConsumer
from consumers.webhooks.backoff import backoff_delay, worst_case_s
from consumers.webhooks.body import InboxRecord, webhook_body
from consumers.webhooks.client import PostResult, WebhookClient
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.settings import WebhookSettings
from consumers.webhooks.writes import WebhookWrites, describe_failure
from producers.errors import SendRefused
from schemas.errors import ConfigError, CorridorError
from schemas.taskforce import Member

logger = logging.getLogger(__name__)

_MAX_POLL_INTERVAL_MS = 2**31 - 1


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
        self._metrics = metrics
        self._rand = rand
        self._writes = WebhookWrites(self.agency, settings, producer, metrics)
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
            self._writes.dead_letter(record, storage_key_of(record), 0, failed, now, now)
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
                self._writes.audit_delivered(delivery_id, attempt, result)
                return True
            if not result.retriable or attempt >= self._policy.max_attempts:
                self._writes.dead_letter(record, delivery_id, attempt, result, first_at, now)
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

"""The delivery service: copies each alert and incident into every entitled member's inbox.

Who is entitled is the sharing policy's decision (``consumers.delivery.policy``), made per
member and counted. The originator's signed bytes travel unchanged, so every
recipient verifies the originator itself; of the record headers only an allowlist
travels, so no hub-internal header (such as who else may receive an incident)
reaches a recipient. Encrypted personal data (a Kafka header outside the signature)
reaches only recipients cleared for it, with only their own key wrap. Offsets are
committed only after every inbox write of the polled batch was acknowledged
(acks=all); a failure rewinds to the last commit and the batch is delivered again
with the same delivery ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from consumers.delivery.metrics import DeliveryMetrics
from consumers.delivery.plan import DeliveryPlan, InboxWrite, plan_delivery
from consumers.delivery.settings import DeliverySettings
from consumers.errors import DeliveryError
from consumers.kafka_clients import (
    acked_producer,
    kafka_consumer,
    refusal,
    send_failure,
    send_or_failed,
)
from consumers.lag import GroupLagMonitor
from consumers.offsets import rewind_to_last_commit
from consumers.quarantine_writer import send_to_quarantine
from consumers.watched_consumer import WatchedConsumer
from producers.publisher import request_timeout_ms
from producers.send_failures import SendFailure
from schemas import reasons
from schemas.envelope import (
    RecordHeaders,
)

logger = logging.getLogger(__name__)


STAGE = "delivery"
UNDELIVERABLE = "undeliverable"


class DeliveryService:
    """Consumes the alerts topic and writes inbox copies, at least once."""

    def __init__(
        self,
        settings: DeliverySettings,
        metrics: DeliveryMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        topics = settings.taskforce.topics
        self._watched = WatchedConsumer(
            settings.group_id,
            lambda: kafka_consumer(
                consumer_factory,
                topics.alerts,
                topics.incidents,
                bootstrap=settings.bootstrap,
                security=settings.security,
                group_id=settings.group_id,
                client_id="corridor-delivery",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=settings.max_batch,
                fetch_max_wait_ms=settings.fetch_max_wait_ms,
                **settings.membership.kafka_python_config(),
            ),
            metrics.consumer_restarts,
            stall_after_s=settings.stall_after_s,
        )
        self._consumer_factory = consumer_factory
        for member in settings.taskforce.recipients:  # no failure yet is worth showing: 0
            metrics.failures.labels(member.agency_id)
        self._producer = acked_producer(
            producer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id="corridor-delivery",
            linger_ms=settings.producer_linger_ms,
            batch_size=settings.producer_batch_bytes,
            delivery_timeout_ms=int(settings.delivery_timeout_s * 1000),
            request_timeout_ms=request_timeout_ms(settings.delivery_timeout_s),
        )

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; a failed batch is retried from the last commit.

        The group's lag is measured beside it, from outside the group: measuring on the
        service's own consumer between polls could stall its deliveries.
        """
        topics = self._settings.taskforce.topics
        lag = GroupLagMonitor(
            self._settings.bootstrap,
            self._settings.group_id,
            (topics.alerts, topics.incidents),
            self._metrics.lag,
            security=self._settings.security,
            interval_s=self._settings.lag_interval_s,
            consumer_factory=self._consumer_factory,
        )
        lag.start()
        self._watched.monitor = lag
        backoff = 0.5
        try:
            while not stop.is_set():
                try:
                    self.step()
                    backoff = 0.5
                except (DeliveryError, KafkaError) as exc:
                    logger.warning("delivery batch failed, retrying from last commit: %s", exc)
                    self._rewind()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            self._watched.monitor = None
            lag.close()

    @property
    def _consumer(self) -> Any:
        return self._watched.consumer

    def step(self) -> int:
        """Poll once, deliver the batch, commit. Returns the number of records handled."""
        polled = self._watched.poll(self._settings.poll_timeout_ms)
        records = [r for batch in polled.values() for r in batch]
        if records:
            self._deliver(records)
            self._consumer.commit()
        return len(records)

    def _deliver(self, records: Iterable[Any]) -> None:
        pending: list[tuple[InboxWrite, Any, Any]] = []
        quarantined: list[Any] = []
        taskforce = self._settings.taskforce
        for record in records:
            self._metrics.received.inc()
            headers = _headers(record)
            try:
                plan = plan_delivery(
                    record.key, record.value, headers, taskforce, self._settings.encryption_key_ids
                )
            except Exception as exc:  # an unforeseen shape must not stop the service
                logger.exception("cannot plan the delivery of %s", _where(record))
                why = f"{reasons.UNPROCESSABLE}: {type(exc).__name__}: {exc}"
                plan = DeliveryPlan(writes=[], undeliverable=why)
            if plan.undeliverable is not None:
                logger.error("undeliverable record at %s: %s", _where(record), plan.undeliverable)
                quarantined.append(self._quarantine(record, headers, plan.undeliverable))
                continue
            for decision in plan.decisions:
                self._metrics.decisions.labels(plan.kind, decision.recipient, decision.reason).inc()
            for write in plan.writes:
                future = send_or_failed(
                    self._producer,
                    write.topic,
                    key=write.key,
                    value=write.value,
                    headers=write.headers,
                )
                pending.append((write, future, record))
        self._producer.flush(timeout=self._settings.delivery_timeout_s)
        refused = self._refused(pending, quarantined)
        pending = [(w, f, r) for w, f, r in pending if _position(r) not in refused]
        failed = [w.recipient for w, f, _ in pending if not (f.is_done and f.succeeded())]
        failed += ["quarantine" for f in quarantined if not (f.is_done and f.succeeded())]
        now = dt.datetime.now(dt.UTC)
        for write, future, _ in pending:
            if future.is_done and future.succeeded():
                self._metrics.delivered.labels(write.recipient).inc()
                self._metrics.end_to_end.labels(write.recipient).observe(
                    (now - write.produced_at).total_seconds()
                )
            else:
                self._metrics.failures.labels(write.recipient).inc()
        if failed:
            raise DeliveryError(f"{len(failed)} writes not acknowledged (to {sorted(set(failed))})")

    def _refused(
        self, pending: list[tuple[InboxWrite, Any, Any]], quarantined: list[Any]
    ) -> set[tuple[str, int, int]]:
        """Quarantine the records whose inbox copies can never be written; returns them.

        Only when nothing else failed in a way a retry may fix: the batch is then read
        again anyway, and its refused records are quarantined on that pass. Raises
        :class:`SendRefused` when the producer may not write at all (an operator must act).
        """
        failures: list[tuple[InboxWrite | None, Any, Any, SendFailure | None]]
        failures = [(w, f, r, send_failure(f)) for w, f, r in pending]
        failures += [(None, f, None, send_failure(f)) for f in quarantined]
        if any(failure is SendFailure.RETRIABLE for *_, failure in failures):
            return set()
        for write, future, _, failure in failures:
            if failure is SendFailure.ACCESS_REFUSED:
                raise refusal(write.topic if write else "quarantine", future)
        refused: dict[tuple[str, int, int], tuple[Any, str]] = {}
        for write, future, record, failure in failures:
            if failure is SendFailure.RECORD_REFUSED and record is not None and write is not None:
                why = str(refusal(write.topic, future))
                refused.setdefault(_position(record), (record, why))
        if not refused:
            return set()
        written = []
        for record, why in refused.values():
            logger.error("record at %s quarantined: %s", _where(record), why)
            detail = f"{reasons.RECORD_TOO_LARGE}: {why}"
            written.append(self._quarantine(record, _headers(record), detail))
        self._producer.flush(timeout=self._settings.delivery_timeout_s)
        for future in written:
            failure = send_failure(future)
            if failure is SendFailure.RETRIABLE:
                raise DeliveryError("quarantine records of refused deliveries not acknowledged")
            if failure is not None:
                raise refusal(self._settings.taskforce.topics.quarantine, future)
        return set(refused)

    def _quarantine(self, record: Any, headers: RecordHeaders, why: str) -> Any:
        code = why.partition(":")[0]
        if code in reasons.POISON:
            self._metrics.poison.labels(STAGE, code).inc()
        return send_to_quarantine(
            self._producer,
            self._settings.taskforce.topics.quarantine,
            record,
            headers,
            stage=STAGE,
            reason=UNDELIVERABLE,
            detail=why,
            truncated=self._metrics.truncated,
        )

    def _rewind(self) -> None:
        try:
            rewind_to_last_commit(self._consumer)
        except KafkaError as exc:
            logger.warning("could not rewind to the last commit: %s", exc)

    def close(self) -> None:
        """Flush, leave the group and close the clients."""
        self._producer.close(timeout=self._settings.delivery_timeout_s)
        self._consumer.close()


def _headers(record: Any) -> RecordHeaders:
    """A record's headers; a null header value reads as empty bytes."""
    return [(str(n), b"" if v is None else bytes(v)) for n, v in (record.headers or [])]


def _position(record: Any) -> tuple[str, int, int]:
    return (record.topic, record.partition, record.offset)


def _where(record: Any) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"

"""The hub's receipt tracker: pairs inbox deliveries with the recipients' signed receipts.

It reads every member's inbox and receipts topic from the beginning (no consumer
group: its state is rebuilt from the topics at every start, bounded by their
retention and ``horizon_s``) and keeps the per-agency gauges of unacknowledged
deliveries current. A receipt that fails verification is quarantined.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.errors import BrokerUnavailable, DeliveryError
from consumers.kafka_clients import acked_producer, kafka_consumer, refusal, send_failure
from consumers.lag import LagReporter
from consumers.quarantine_writer import send_to_quarantine
from consumers.receipts.ledger import ReceiptLedger
from consumers.receipts.metrics import ReceiptMetrics
from producers.send_failures import SendFailure
from schemas import hub_headers, reasons
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import VerifyError
from schemas.taskforce import TaskForce
from schemas.truststore import TrustSource
from schemas.verification import verify_receipt

logger = logging.getLogger(__name__)

STAGE = "receipts"
CLIENT_ID = "corridor-receipts"
"""Its Kafka client id, also the ``group`` label of its lag (it has no consumer group)."""
WRONG_RECIPIENT = "wrong_recipient"


@dataclass(frozen=True)
class TrackerSettings:
    """How the receipt tracker runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Members (whose inbox and receipts topics are read) and topic names."""
    horizon_s: float = 7 * 24 * 3600.0
    """Deliveries older than this are forgotten (and no longer count as unacknowledged)."""
    poll_timeout_ms: int = 200
    """How long one poll waits for records."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the tracker authenticates (the hub's identity on a secured cluster)."""
    lag_interval_s: float = 5.0
    """How often its lag (records of the topics not read yet) is measured."""


class ReceiptTracker:
    """Consumes inboxes and receipts; updates :class:`ReceiptMetrics`."""

    def __init__(
        self,
        settings: TrackerSettings,
        trust: TrustSource,
        metrics: ReceiptMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        self._settings = settings
        self._trust = trust
        self._metrics = metrics
        self.ledger = ReceiptLedger()
        topics = settings.taskforce.topics
        self._inbox_agency = {topics.inbox(m.agency_id): m.agency_id for m in self._recipients()}
        self._receipt_agency = {
            topics.receipts(m.agency_id): m.agency_id for m in self._recipients()
        }
        self._consumer = kafka_consumer(
            consumer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id=CLIENT_ID,
            enable_auto_commit=False,
        )
        self._producer = acked_producer(
            producer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id=CLIENT_ID,
        )
        try:
            parts = [
                TopicPartition(topic, p)
                for topic in sorted({*self._inbox_agency, *self._receipt_agency})
                for p in sorted(self._consumer.partitions_for_topic(topic) or [])
            ]
            self._consumer.assign(parts)
            self._consumer.seek_to_beginning(*parts)
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot reach Kafka at {settings.bootstrap}: {exc}") from exc
        self._lag = LagReporter(
            self._consumer, metrics.lag, CLIENT_ID, settings.lag_interval_s, committed=False
        )

    def _recipients(self) -> list[Any]:
        return list(self._settings.taskforce.recipients)

    def run(self, stop: threading.Event) -> None:
        """Track until ``stop`` is set."""
        while not stop.is_set():
            self.step()

    def step(self) -> int:
        """Poll once and account for the records; returns how many were read."""
        polled = self._consumer.poll(timeout_ms=self._settings.poll_timeout_ms)
        records = [r for batch in polled.values() for r in batch]
        quarantined = [q for q in (self._guarded(r) for r in records) if q is not None]
        if quarantined:
            self._producer.flush(timeout=30)
            for future in quarantined:  # bounded records: a refusal is the client's, not theirs
                if send_failure(future) not in (None, SendFailure.RETRIABLE):
                    raise refusal(self._settings.taskforce.topics.quarantine, future)
            if not all(f.is_done and f.succeeded() for f in quarantined):
                raise DeliveryError("quarantine records for rejected receipts not acknowledged")
        self._refresh_gauges()
        self._lag.maybe_report()
        return len(records)

    def _guarded(self, record: Any) -> Any:
        """:meth:`_handle`, quarantining a record of a shape it did not foresee."""
        try:
            return self._handle(record)
        except Exception as exc:  # no record of any shape may stop the tracker
            logger.exception("cannot track %s@%d", record.topic, record.offset)
            detail = f"{type(exc).__name__}: {exc}"
            return self._reject(record, _headers(record), reasons.UNPROCESSABLE, detail)

    def _handle(self, record: Any) -> Any:
        headers = _headers(record)
        agency = self._inbox_agency.get(record.topic)
        if agency is not None:
            raw = hub_headers.header_value(headers, HEADER_DELIVERY_ID)
            if raw is not None:
                for status, latency in self.ledger.delivered(
                    raw.decode("utf-8", "replace"), agency, record.timestamp / 1000
                ):
                    self._metrics.latency.labels(agency, status).observe(latency)
            return None
        try:
            if record.value is None:
                raise VerifyError(reasons.TOMBSTONE, "receipt record has no value (tombstone)")
            verified = verify_receipt(
                record.value, headers, self._trust.current(), self._settings.taskforce.topics
            )
        except VerifyError as exc:
            return self._reject(record, headers, exc.reason, exc.detail)
        receipt = verified.receipt
        at = receipt["at"].timestamp()
        outcome = self.ledger.receipt(
            receipt["delivery_id"], receipt["recipient"], receipt["status"], at
        )
        if not outcome.accepted:
            return self._reject(
                record,
                headers,
                WRONG_RECIPIENT,
                f"{receipt['recipient']} sent a receipt for a delivery to another agency",
            )
        if outcome.first:
            self._metrics.receipts.labels(receipt["recipient"], receipt["status"]).inc()
            if outcome.latency_s is not None:
                self._metrics.latency.labels(receipt["recipient"], receipt["status"]).observe(
                    outcome.latency_s
                )
        return None

    def _reject(self, record: Any, headers: Any, reason: str, detail: str) -> Any:
        logger.warning(
            "receipt rejected at %s[%d]@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            detail,
        )
        self._metrics.rejected.labels(self._receipt_agency.get(record.topic, ""), reason).inc()
        return send_to_quarantine(
            self._producer,
            self._settings.taskforce.topics.quarantine,
            record,
            headers,
            stage=STAGE,
            reason=reason,
            detail=detail,
            poison=self._metrics.poison,
            truncated=self._metrics.truncated,
        )

    def _refresh_gauges(self) -> None:
        now = time.time()
        self.ledger.forget_before(now - self._settings.horizon_s)
        pending = self.ledger.unacknowledged(now)
        for member in self._recipients():
            count, oldest = pending.get(member.agency_id, (0, 0.0))
            self._metrics.unacknowledged.labels(member.agency_id).set(count)
            self._metrics.oldest_unacknowledged.labels(member.agency_id).set(oldest)

    def close(self) -> None:
        """Close the clients."""
        self._producer.close(timeout=30)
        self._consumer.close()


def _headers(record: Any) -> list[tuple[str, bytes]]:
    """A record's headers; a null header value reads as empty bytes."""
    return [(str(n), b"" if v is None else bytes(v)) for n, v in (record.headers or [])]

"""The auditor: the audit chain's single writer.

It reads the pipeline's topics (:mod:`consumers.audit.events`), turns each record into
a life event and appends it to ``<prefix>.audit`` as the next link of the hash chain
(:mod:`schemas.audit`), with a hub-signed checkpoint every ``checkpoint_every`` records
or ``checkpoint_interval_s`` seconds and at shutdown.

Restart safety, nothing lost or doubled: every event record carries its source
position and every checkpoint lists the next offset of every source partition. At
start the auditor reads the chain's tail from the last checkpoint (verifying it),
recovers the head (seq and hash) and the positions (the checkpoint's, advanced by the
events after it) and resumes each source there. A batch is appended with acks=all;
if any send of it fails, the producer is replaced and the state is recovered from the
topic again, so a partly written batch is neither lost nor repeated. Run one auditor
per deployment: two writers would fork the chain (``audit verify`` shows it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from consumers.audit.chain import (
    ChainHead,
    head_of,
    hub_key_lookup,
    read_tail,
)
from consumers.audit.events import derive
from consumers.audit.metrics import AuditMetrics
from consumers.audit.settings import AuditorSettings
from consumers.audit.sources import Role, source_roles
from consumers.errors import BrokerUnavailable, DeliveryError
from consumers.kafka_clients import (
    acked_producer,
    kafka_consumer,
    refusal,
    send_failure,
    send_or_failed,
)
from producers.send_failures import SendFailure
from schemas import audit
from schemas.truststore import TrustSource

logger = logging.getLogger(__name__)


class Auditor:
    """Reads the sources, appends the chain."""

    def __init__(
        self,
        settings: AuditorSettings,
        trust: TrustSource,
        metrics: AuditMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        producer_factory: Callable[..., Any] = KafkaProducer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._trust = trust
        self._metrics = metrics
        self._clock = clock
        self._producer_factory = producer_factory
        self._topic = settings.taskforce.topics.audit
        self._roles: dict[str, Role] = source_roles(settings.taskforce)
        self._hub_keys = hub_key_lookup(trust, settings.taskforce.hub_id)
        self._reader = kafka_consumer(
            consumer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id="corridor-auditor",
            enable_auto_commit=False,
        )
        self._sources = kafka_consumer(
            consumer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id="corridor-auditor",
            enable_auto_commit=False,
            max_poll_records=settings.max_batch,
        )
        self._producer = self._new_producer()
        self.head = ChainHead(positions={})
        self._parts: list[TopicPartition] = []
        self._last_checkpoint = clock()
        self._next_lag = clock()

    def _new_producer(self) -> Any:
        return acked_producer(
            self._producer_factory,
            bootstrap=self._settings.bootstrap,
            security=self._settings.security,
            client_id="corridor-auditor",
            # One in flight: the chain's order is the send order, even across retries.
            max_in_flight_requests_per_connection=1,
            linger_ms=2,
        )

    def start(self) -> ChainHead:
        """Recover the head from the chain and position every source; returns the head."""
        try:
            window = 2 * self._settings.checkpoint_every + self._settings.max_batch + 16
            tail = read_tail(self._reader, self._topic, window)
            self.head = head_of(tail, self._hub_keys)
            self._parts = [
                TopicPartition(topic, p)
                for topic in sorted(self._roles)
                for p in sorted(self._sources.partitions_for_topic(topic) or [])
            ]
            self._sources.assign(self._parts)
            for tp in self._parts:
                self._sources.seek(tp, self.head.position(tp.topic, tp.partition))
        except KafkaError as exc:
            raise BrokerUnavailable(
                f"cannot reach Kafka at {self._settings.bootstrap}: {exc}"
            ) from exc
        self._metrics.head_seq.set(self.head.seq)
        self._last_checkpoint = self._clock()
        logger.info(
            "audit chain %s: head seq %d, %d source partitions, %d records uncovered",
            self._topic,
            self.head.seq,
            len(self._parts),
            self.head.uncovered,
        )
        return self.head

    def run(self, stop: threading.Event) -> None:
        """Append until ``stop`` is set; a failed batch is retried after re-reading the chain."""
        backoff = 0.5
        while not stop.is_set():
            try:
                self.step()
                backoff = 0.5
            except (DeliveryError, KafkaError, BrokerUnavailable) as exc:
                logger.warning("audit batch failed, recovering from the chain: %s", exc)
                self._metrics.failures.inc()
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                self._recover()

    def step(self) -> int:
        """Poll once and append the events of the batch; returns the source records read."""
        polled = self._sources.poll(timeout_ms=self._settings.poll_timeout_ms)
        records = [r for batch in polled.values() for r in batch]
        pending: list[tuple[audit.AuditRecord, Any]] = []
        head = ChainHead(self.head.seq, self.head.hash, dict(self.head.positions or {}))
        head.uncovered = self.head.uncovered
        for record in records:
            if record.offset < head.position(record.topic, record.partition):
                continue  # already in the chain
            event = derive(record, self._roles[record.topic], self._trust.current())
            head.advance(record.topic, record.partition, record.offset)
            if event is None:
                continue
            chained = audit.seal_record(
                head.seq + 1,
                head.hash,
                event.at,
                event.kind,
                event.subject,
                audit.Position(record.topic, record.partition, record.offset),
            )
            pending.append((chained, self._send(chained)))
            head.seq, head.hash = chained.seq, chained.hash
            head.uncovered += 1
        if pending:
            self._acknowledged(pending)
        self.head = head
        for chained, _ in pending:
            self._metrics.records.labels(chained.kind).inc()
        self._metrics.head_seq.set(self.head.seq)
        if self._checkpoint_due():
            self.checkpoint()
        self._report_lag()
        return len(records)

    def _send(self, record: audit.AuditRecord) -> Any:
        return send_or_failed(
            self._producer, self._topic, key=audit.RECORD_KEY, value=record.to_bytes()
        )

    def _acknowledged(self, pending: list[tuple[audit.AuditRecord, Any]]) -> None:
        self._producer.flush(timeout=self._settings.send_timeout_s)
        for _, future in pending:  # what no retry can change ends the process, not a loop
            if send_failure(future) not in (None, SendFailure.RETRIABLE):
                raise refusal(self._topic, future)
        failed = [r.seq for r, f in pending if not (f.is_done and f.succeeded())]
        if failed:
            raise DeliveryError(f"audit records seq {failed[0]}..{failed[-1]} not acknowledged")

    def _checkpoint_due(self) -> bool:
        if self.head.uncovered == 0:
            return False
        if self.head.uncovered >= self._settings.checkpoint_every:
            return True
        return self._clock() - self._last_checkpoint >= self._settings.checkpoint_interval_s

    def checkpoint(self) -> audit.AuditRecord:
        """Append a signed checkpoint over the chain so far (acknowledged)."""
        record = audit.seal_checkpoint(
            self.head.seq + 1,
            self.head.hash,
            int(time.time() * 1000),
            self._settings.taskforce.hub_id,
            self.head.positions or {},
            self._settings.hub_key,
        )
        self._acknowledged([(record, self._send(record))])
        self.head.seq, self.head.hash, self.head.uncovered = record.seq, record.hash, 0
        self._last_checkpoint = self._clock()
        self._metrics.checkpoints.inc()
        self._metrics.head_seq.set(self.head.seq)
        return record

    def _recover(self) -> None:
        try:
            self._producer.close(timeout=self._settings.send_timeout_s)
        except KafkaError as exc:
            logger.warning("closing the audit producer failed: %s", exc)
        try:
            self._producer = self._new_producer()
            self.start()
        except (KafkaError, BrokerUnavailable) as exc:
            logger.warning("could not recover the audit chain yet: %s", exc)

    def _report_lag(self) -> None:
        now = self._clock()
        if now < self._next_lag or not self._parts:
            return
        self._next_lag = now + self._settings.lag_interval_s
        try:
            ends = self._sources.end_offsets(self._parts)
        except KafkaError as exc:
            logger.warning("could not measure the audit lag: %s", exc)
            return
        per_topic: dict[str, int] = {}
        for tp, end in ends.items():
            left = max(end - self.head.position(tp.topic, tp.partition), 0)
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + left
        for topic, left in per_topic.items():
            self._metrics.lag.labels(topic).set(left)

    def caught_up(self) -> bool:
        """True when every source partition is in the chain up to its current end."""
        ends = self._sources.end_offsets(self._parts)
        return all(self.head.position(tp.topic, tp.partition) >= end for tp, end in ends.items())

    def close(self, *, final_checkpoint: bool = True) -> None:
        """Checkpoint what is uncovered, then close the clients."""
        try:
            if final_checkpoint and self.head.uncovered:
                self.checkpoint()
        finally:
            self._producer.close(timeout=self._settings.send_timeout_s)
            self._sources.close()
            self._reader.close()

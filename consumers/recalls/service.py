"""The hub's recall service: recall notices for delivered alerts signed by a compromised key.

It reads the alerts topic from the beginning (no consumer group: like the receipt
tracker, its state is rebuilt from the topic at every start, bounded by the topic's
retention) into a :class:`~consumers.recalls.notices.RecallLedger`, and follows it. After every
poll it asks the key registry in use which keys are revoked and writes, to each
recipient's inbox, a hub-signed notice for every copy of an alert signed with a
revoked key at or after its ``compromised_at`` that it has not written yet. So a
notice goes out as soon as the registry update is seen, and also for an alert the
worker accepted before it saw the revocation but that reaches the alerts topic later.

Notices are written with acks=all and an idempotent producer, and counted only when
acknowledged; a failed write is retried. Their ids are derived from the recalled
delivery, so a restart, which writes every notice again, gives each the same delivery
id and a recipient stores it once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from consumers.errors import BrokerUnavailable, DeliveryError
from consumers.kafka_clients import (
    acked_producer,
    kafka_consumer,
    refusal,
    send_failure,
    send_or_failed,
)
from consumers.lag import LagReporter
from consumers.recalls.metrics import RecallMetrics
from consumers.recalls.notices import RecallLedger, delivered_alert, revocations, sign_notice
from consumers.registry_follower import RegistryFollower
from producers.publisher import request_timeout_ms
from producers.send_failures import SendFailure
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import ConfigError
from schemas.json_mapping import format_timestamp
from schemas.signing import now_ms
from schemas.taskforce import TaskForce
from schemas.truststore import TrustSource, TrustStore

logger = logging.getLogger(__name__)

#: The trust store whose revocations count now, and the registry version it came from
#: (0: a trust-store file); None while there is none.
RevocationSource = Callable[[], tuple[TrustStore, int] | None]


def revocation_source(trust: TrustSource) -> RevocationSource:
    """Revocations from the registry in use (also once it expired: a revocation stays one),
    or from a fixed trust store."""
    if isinstance(trust, RegistryFollower):
        follower = trust

        def from_registry() -> tuple[TrustStore, int] | None:
            registry = follower.registry
            return None if registry is None else (registry.trust_store, registry.version)

        return from_registry
    store = trust.current()
    return lambda: (store, 0)


CLIENT_ID = "corridor-recalls"
"""Its Kafka client id, also the ``group`` label of its lag (it has no consumer group)."""


@dataclass(frozen=True)
class RecallSettings:
    """How the recall service runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Members (the sharing policy that decided the deliveries), hub id and topic names."""
    hub_key: Ed25519PrivateKey
    """The hub's signing key (its public key is in the registry under the hub id)."""
    poll_timeout_ms: int = 500
    """How long one poll of the alerts topic waits."""
    send_timeout_s: float = 30.0
    """How long a round of notices may take to be acknowledged before it is retried."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the service authenticates (the hub's identity on a secured cluster)."""
    lag_interval_s: float = 5.0
    """How often its lag (alerts not read yet) is measured."""


class RecallService:
    """Reads the alerts topic, writes recall notices for what the registry revoked."""

    def __init__(
        self,
        settings: RecallSettings,
        source: RevocationSource,
        metrics: RecallMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        self._settings = settings
        self._source = source
        self._metrics = metrics
        self.ledger = RecallLedger()
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
            linger_ms=2,
            delivery_timeout_ms=int(settings.send_timeout_s * 1000),
            request_timeout_ms=request_timeout_ms(settings.send_timeout_s),
        )
        topic = settings.taskforce.topics.alerts
        self._parts = [
            TopicPartition(topic, p)
            for p in sorted(self._consumer.partitions_for_topic(topic) or [])
        ]
        if not self._parts:
            raise ConfigError(
                f"alerts topic {topic} does not exist (or this principal may not read it): "
                "create the topics first (corridor topics create)"
            )
        self._consumer.assign(self._parts)
        self._consumer.seek_to_beginning(*self._parts)
        self._lag = LagReporter(
            self._consumer, metrics.lag, CLIENT_ID, settings.lag_interval_s, committed=False
        )
        for member in settings.taskforce.recipients:  # no failure yet is worth showing: 0
            metrics.failures.labels(member.agency_id)

    def catch_up(self, timeout_s: float = 60.0) -> int:
        """Read the alerts topic to its end offsets of now and write what is due.

        Returns the number of notices written. Raises :class:`BrokerUnavailable` if the
        topic could not be read to its end in ``timeout_s``.
        """
        ends = self._consumer.end_offsets(self._parts)
        deadline = time.monotonic() + timeout_s
        while any(self._consumer.position(tp) < ends[tp] for tp in self._parts):
            if time.monotonic() > deadline:
                raise BrokerUnavailable(
                    f"could not read {self._settings.taskforce.topics.alerts} to its end in "
                    f"{timeout_s:.0f}s"
                )
            self._read()
        return self.recall_due()

    def run(self, stop: threading.Event) -> None:
        """Follow the alerts topic and the registry until ``stop`` is set."""
        backoff = 0.5
        while not stop.is_set():
            try:
                self._read()
                self.recall_due()
                backoff = 0.5
            except (DeliveryError, KafkaError) as exc:
                logger.warning("recall notices not written, retrying: %s", exc)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _read(self) -> int:
        polled = self._consumer.poll(timeout_ms=self._settings.poll_timeout_ms)
        count = 0
        taskforce = self._settings.taskforce
        for batch in polled.values():
            for record in batch:
                try:
                    headers = [(str(n), v or b"") for n, v in (record.headers or [])]
                    alert = delivered_alert(record.key, record.value, headers, taskforce)
                except Exception:  # not an alert anyone received: delivery quarantines it
                    logger.exception("cannot read %s@%d", record.topic, record.offset)
                    continue
                if alert is not None:
                    self.ledger.add(alert)
                    count += 1
        self._metrics.alerts_seen.set(self.ledger.alerts_seen)
        self._lag.maybe_report()
        return count

    def recall_due(self) -> int:
        """Write the notices the revocations in use call for and that are not yet written.

        Returns how many were written (all acknowledged); raises :class:`DeliveryError`
        if any was not (none is then taken as written, and the next call writes all again).
        """
        current = self._source()
        if current is None:
            return 0
        store, version = current
        revoked = revocations(store)
        self._metrics.revoked_keys.set(len(revoked))
        if not revoked:
            return 0
        issued_at = now_ms()
        due = self.ledger.due(revoked, issued_at=issued_at, registry_version=version)
        if not due:
            return 0
        pending = []
        for _alert, notices in due:
            for notice in notices:
                record = sign_notice(
                    notice, self._settings.hub_key, self._settings.taskforce, produced_at=issued_at
                )
                future = send_or_failed(
                    self._producer,
                    record.topic,
                    key=record.key,
                    value=record.value,
                    headers=record.headers,
                )
                pending.append((notice, future))
        self._producer.flush(timeout=self._settings.send_timeout_s)
        for notice, future in pending:  # what no retry can change ends the process, not a loop
            if send_failure(future) not in (None, SendFailure.RETRIABLE):
                raise refusal(self._settings.taskforce.topics.inbox(notice.recipient), future)
        failed = [n for n, f in pending if not (f.is_done and f.succeeded())]
        for notice in failed:
            self._metrics.failures.labels(notice.recipient).inc()
        if failed:
            raise DeliveryError(
                f"{len(failed)} of {len(pending)} recall notices not acknowledged "
                f"(to {sorted({n.recipient for n in failed})})"
            )
        for alert, notices in due:
            self.ledger.written(notices)
            self._metrics.alerts.labels(alert.origin).inc()
            for notice in notices:
                self._metrics.notices.labels(notice.recipient, notice.origin).inc()
            logger.warning(
                "recalled alert %s:%s revision %d (message %s, key %s, produced %s, compromised "
                "from %s, registry version %d): notices to %s",
                alert.origin,
                alert.alert_id,
                alert.revision,
                alert.message_id,
                alert.key_id,
                format_timestamp(alert.produced_at),
                format_timestamp(revoked[(alert.origin, alert.key_id)]),
                version,
                ", ".join(n.recipient for n in notices),
            )
        return len(pending)

    def close(self) -> None:
        """Flush and close the clients."""
        self._producer.close(timeout=self._settings.send_timeout_s)
        self._consumer.close()

"""Publishing signed alerts with kafka-python: acknowledged by all in-sync replicas or failed.

A send counts as done only once its future resolved to broker metadata; anything
else is reported as failed with the broker's reason, never as sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer
from kafka.errors import AuthorizationError, KafkaConfigurationError, KafkaError

from producers.errors import BrokerUnavailable, PublishError, TopicMissing
from producers.kafka_client import access_error, client_config, connect, is_access_error
from producers.sealing import Sealing
from producers.settings import PublisherSettings
from schemas.client_security import ClientSecurity
from schemas.errors import SealError
from schemas.signing import SignedRecord, sign_alert
from schemas.topics import TopicNames

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishOutcome:
    """What happened to one alert."""

    alert_id: str
    """The alert's id."""
    revision: int
    """The alert's revision."""
    message_id: str
    """Envelope message id (for tracing)."""
    topic: str
    """Destination topic."""
    partition: int | None = None
    """Partition the broker stored it in, when acknowledged."""
    offset: int | None = None
    """Offset the broker assigned, when acknowledged."""
    error: str | None = None
    """Why it failed, when it did."""

    @property
    def ok(self) -> bool:
        """True when the broker acknowledged the record."""
        return self.error is None


def request_timeout_ms(delivery_timeout_s: float) -> int:
    """Per-request timeout leaving room for retries within the delivery timeout.

    kafka-python requires delivery_timeout_ms > linger_ms + request_timeout_ms.
    """
    return max(1_000, min(30_000, int(delivery_timeout_s * 1000) // 2))


def producer_config(settings: PublisherSettings) -> dict[str, Any]:
    """kafka-python settings: never lose, never duplicate on retry."""
    return {
        **client_config(settings.bootstrap, settings.security),
        "client_id": settings.client_id,
        "acks": "all",
        "enable_idempotence": True,
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": settings.linger_ms,
        "delivery_timeout_ms": int(settings.delivery_timeout_s * 1000),
        "request_timeout_ms": request_timeout_ms(settings.delivery_timeout_s),
        "max_block_ms": int(settings.connect_timeout_s * 1000),
        "bootstrap_timeout_ms": int(settings.connect_timeout_s * 1000),
    }


class AlertPublisher:
    """Signs alerts with one agency's key and publishes them to its inbound topic."""

    def __init__(
        self,
        settings: PublisherSettings,
        private_key: Ed25519PrivateKey,
        producer_factory: Callable[..., Any] = KafkaProducer,
        *,
        sealing: Sealing | None = None,
    ) -> None:
        self._settings = settings
        self._key = private_key
        self._sealing = sealing
        self._checked_topics: set[str] = set()
        try:
            self._producer = connect(
                producer_factory,
                bootstrap=settings.bootstrap,
                security=settings.security,
                unavailable=BrokerUnavailable,
                **producer_config(settings),
            )
        except KafkaConfigurationError as exc:
            raise PublishError(f"invalid Kafka client settings: {exc}") from exc

    def sign(
        self, alert: dict[str, Any], personal_data: dict[str, Any] | None = None
    ) -> SignedRecord:
        """Validate and sign one alert datum for this publisher's deployment.

        ``personal_data`` (a PersonalData datum) is sealed to the cleared recipients
        of the alert; that needs the ``sealing`` context, and at least one of them.
        """
        return sign_for(alert, personal_data, self._key, self._settings.topics, self._sealing)

    def _ensure_topic(self, topic: str) -> None:
        if topic in self._checked_topics:
            return
        try:
            partitions = self._producer.partitions_for(topic)
        except AuthorizationError as exc:
            raise access_error(
                exc, self._settings.security, action="write", resource=topic
            ) from exc
        except KafkaError as exc:
            raise TopicMissing(
                f"topic {topic} is not available on {self._settings.bootstrap} ({exc}); "
                "the task-force operators create it (corridor topics create)"
            ) from exc
        if not partitions:
            raise TopicMissing(f"topic {topic} does not exist on {self._settings.bootstrap}")
        self._checked_topics.add(topic)

    def publish(self, records: Sequence[SignedRecord]) -> list[PublishOutcome]:
        """Send ``records``, wait for every acknowledgement, report each one.

        Raises :class:`TopicMissing` before sending anything if a topic is absent.
        """
        for topic in {r.topic for r in records}:
            self._ensure_topic(topic)
        futures = []
        for record in records:
            try:
                future = self._producer.send(
                    record.topic, key=record.key, value=record.value, headers=record.headers
                )
            except KafkaError as exc:
                futures.append(exc)
            else:
                futures.append(future)
        try:
            self._producer.flush(timeout=self._settings.delivery_timeout_s + 5)
        except KafkaError as exc:
            logger.warning("flush did not complete: %s", exc)
        return [
            _outcome(r, f, self._settings.security) for r, f in zip(records, futures, strict=True)
        ]

    def close(self) -> None:
        """Flush and close the underlying producer."""
        self._producer.close(timeout=self._settings.delivery_timeout_s)

    def __enter__(self) -> AlertPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sign_for(
    alert: dict[str, Any],
    personal_data: dict[str, Any] | None,
    private_key: Ed25519PrivateKey,
    topics: TopicNames,
    sealing: Sealing | None,
) -> SignedRecord:
    """Sign ``alert``, sealing ``personal_data`` (if any) to its cleared recipients."""
    if personal_data is None:
        return sign_alert(alert, private_key, topics)
    if sealing is None:
        raise SealError(
            f"alert {alert['alert_id']} names persons: sealing them needs the task-force "
            "file and the trust store with the recipients' encryption keys"
        )
    return sign_alert(
        alert,
        private_key,
        topics,
        personal_data=personal_data,
        recipients=sealing.recipients_for(alert),
    )


def _outcome(record: SignedRecord, future: Any, security: ClientSecurity) -> PublishOutcome:
    def outcome(**result: Any) -> PublishOutcome:
        return PublishOutcome(
            alert_id=record.alert_id,
            revision=record.revision,
            message_id=record.header.message_id,
            topic=record.topic,
            **result,
        )

    if isinstance(future, Exception):
        return outcome(error=_reason(future, record.topic, security))
    if not future.is_done:
        return outcome(error="not acknowledged before the delivery timeout")
    if future.failed():
        return outcome(error=_reason(future.exception, record.topic, security))
    return outcome(partition=future.value.partition, offset=future.value.offset)


def _reason(exc: BaseException, topic: str, security: ClientSecurity) -> str:
    """Why a send failed; an ACL refusal names the topic and the principal."""
    if isinstance(exc, KafkaError) and is_access_error(exc):
        return str(access_error(exc, security, action="write", resource=topic))
    return str(exc)

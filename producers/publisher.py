"""Publishing signed alerts with kafka-python: acknowledged by all in-sync replicas or failed.

A send counts as done only once its future resolved to broker metadata; anything
else is reported as failed (with the broker's reason) or unknown, never as sent.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer
from kafka.errors import AuthorizationError, KafkaConfigurationError, KafkaError

from producers.errors import BrokerUnavailable, PublishError, TopicMissing
from producers.kafka_client import access_error, client_config, connect
from producers.outcomes import NotSent, PublishOutcome, may_have_been_written, outcome_of
from producers.renewable_producer import RenewableProducer
from producers.sealing import Sealing
from producers.settings import PublisherSettings
from schemas.errors import SealError
from schemas.signing import SignedRecord, sign_alert
from schemas.topics import TopicNames

logger = logging.getLogger(__name__)

__all__ = ["AlertPublisher", "PublishOutcome", "producer_config", "sign_for"]

EXPIRY_GRACE_S = 2.0
"""After the delivery timeout, how long the producer may take to report its own expiry;
no send completing for the two together means the broker is given up on."""
CLOSE_TIMEOUT_S = 5.0
"""Upper bound for closing the producer once every record has its outcome."""


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
        self._abandoned = False

        def build() -> Any:
            return connect(
                producer_factory,
                bootstrap=settings.bootstrap,
                security=settings.security,
                unavailable=BrokerUnavailable,
                **producer_config(settings),
            )

        try:
            # Renewed after a send failed retriably: a long-lived publisher must get over
            # an outage longer than the delivery timeout (producers.renewable_producer).
            self._producer = RenewableProducer(build)
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
        """Send ``records`` and report each one (see :meth:`publish_each`)."""
        return list(self.publish_each(records))

    def publish_each(self, records: Sequence[SignedRecord]) -> Iterator[PublishOutcome]:
        """Send ``records``; yield each one's outcome, in order, as soon as it is known.

        Every record gets an outcome (:mod:`producers.outcomes`). A busy but working
        broker is waited for; once it has answered no send (acknowledged or refused) for
        the settings' delivery timeout plus a short grace, it is given up on:
        what was sent and is still unacknowledged is *unknown*, the rest is not sent
        (*failed*). So after the broker dies, every alert has its outcome within that
        time. Raises :class:`TopicMissing` before sending anything if a topic is absent.
        """
        for topic in {r.topic for r in records}:
            self._ensure_topic(topic)
        timeout_s = self._settings.delivery_timeout_s
        patience_s = timeout_s + EXPIRY_GRACE_S
        progress = _Progress()
        pending: deque[tuple[SignedRecord, Any]] = deque()
        security = self._settings.security
        for record in records:
            if progress.stalled(patience_s):
                handle: Any = NotSent(
                    f"not sent: the broker answered nothing for {timeout_s:g} s before its turn"
                )
            else:
                handle = self._send(record, progress)
            pending.append((record, handle))
            while pending and _settled(pending[0][1]):
                yield outcome_of(*pending.popleft(), security, timeout_s)
        while pending:
            record, handle = pending.popleft()
            # Other partitions' acknowledgements move the deadline on; a dead broker does not.
            while not _settled(handle) and not progress.stalled(patience_s):
                _wait(handle, progress.left(patience_s))
            if not _settled(handle):
                self._abandoned = True
            yield outcome_of(record, handle, security, timeout_s)

    def _send(self, record: SignedRecord, progress: _Progress) -> Any:
        """The producer's future for ``record``, or the exception that kept it from the producer."""
        try:
            future = self._producer.send(
                record.topic, key=record.key, value=record.value, headers=record.headers
            )
        except KafkaError as exc:
            return exc
        future.add_both(progress.touch)
        return future

    def close(self) -> None:
        """Close the producer within a bounded time; never raises.

        kafka-python's ``close`` first waits for every pending record, and raises
        KafkaTimeoutError if one is still pending when its timeout ends; with the broker
        gone, records may never complete (after expiring a batch that was in flight the
        idempotent producer waits for a new producer id before expiring the others).
        Their outcomes were reported already, as unknown, so they are abandoned.
        """
        timeout = 0.0 if self._abandoned else CLOSE_TIMEOUT_S
        try:
            self._producer.close(timeout=timeout)
        except Exception as exc:  # closing must not hide the outcomes already reported
            logger.warning("abandoning records still unacknowledged at close: %s", exc)
            self._force_close()

    def _force_close(self) -> None:
        # kafka-python has no public way to close with records pending: stop its sender
        # thread (which fails the pending futures), then close what is left.
        sender = getattr(self._producer, "_sender", None)
        if sender is not None:
            sender.force_close()
            sender.join(CLOSE_TIMEOUT_S)
        try:
            self._producer.close(timeout=0)
        except Exception as exc:
            logger.warning("the Kafka producer did not close cleanly: %s", exc)

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


class _Progress:
    """When the broker last answered a send; touched from the producer's I/O thread."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self, result: object = None) -> None:
        # An acknowledgement or a refusal is the broker answering; the producer expiring
        # a batch, or giving up after retries, is not.
        if isinstance(result, BaseException) and may_have_been_written(result):
            return
        self.last = time.monotonic()

    def left(self, patience_s: float) -> float:
        return self.last + patience_s - time.monotonic()

    def stalled(self, patience_s: float) -> bool:
        return self.left(patience_s) <= 0


def _settled(handle: Any) -> bool:
    return isinstance(handle, BaseException) or bool(handle.is_done)


def _wait(handle: Any, timeout_s: float) -> None:
    """Wait up to ``timeout_s`` for a send to complete; its result is read afterwards."""
    if _settled(handle) or timeout_s <= 0:
        return
    with contextlib.suppress(Exception):  # success or failure: outcome_of reads it
        handle.get(timeout=timeout_s)

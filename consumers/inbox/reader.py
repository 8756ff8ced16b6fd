"""The inbox client an agency runs: read its deliveries and verify each originator.

Verification happens here again, at the recipient, against the recipient's own
trust store: the hub is trusted to route, not to vouch for content. Personal data
is decrypted here, with the recipient's own X25519 key, after its ciphertext was
checked against the originator's signed commitment.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import AuthorizationError, KafkaError

from consumers.errors import InboxMissing
from consumers.inbox.check import InboxItem, check_delivery
from consumers.inbox.metrics import InboxMetrics
from consumers.inbox.settings import InboxSettings
from consumers.kafka_clients import kafka_consumer
from producers.kafka_client import access_error
from schemas.access import inbox_group
from schemas.truststore import TrustSource

logger = logging.getLogger(__name__)

#: How long the client waits after a poll failed for want of the broker.
POLL_RETRY_S = 1.0


class InboxReader:
    """Reads one agency's inbox; offsets are committed after the caller has the items."""

    def __init__(
        self,
        settings: InboxSettings,
        trust: TrustSource,
        metrics: InboxMetrics,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
    ) -> None:
        self._settings = settings
        self._trust = trust
        self._metrics = metrics
        self._consumer = kafka_consumer(
            consumer_factory,
            settings.topics.inbox(settings.agency),
            bootstrap=settings.bootstrap,
            security=settings.security,
            group_id=settings.group_id or inbox_group(settings.agency),
            client_id=f"corridor-inbox-{settings.agency}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            **settings.membership.kafka_python_config(),
        )

    def items(self, stop: threading.Event) -> Iterator[InboxItem]:
        """Yield deliveries until stopped, idle for too long, or ``max_messages`` read.

        The offsets of a poll are committed when the caller asks for the next item
        after the poll's last one, i.e. once the caller has handled them all.

        Raises:
            NotAuthorized: no ACL lets this agency read the inbox or use the group.
        """
        try:
            yield from self._items(stop)
        except AuthorizationError as exc:
            raise access_error(
                exc,
                self._settings.security,
                action="read",
                resource=self._settings.topics.inbox(self._settings.agency),
            ) from exc

    def _items(self, stop: threading.Event) -> Iterator[InboxItem]:
        settings = self._settings
        topic = settings.topics.inbox(settings.agency)
        # kafka-python leaves a subscription to an unreadable topic silently empty: check first.
        if not self._consumer.partitions_for_topic(topic):
            raise InboxMissing(
                f"cannot read topic {topic}{settings.security.as_principal()}: it does not "
                "exist or no ACL lets this principal read it"
            )
        count = 0
        idle_since = dt.datetime.now(dt.UTC)
        while not stop.is_set():
            polled = self._poll(stop, count)
            records = [r for batch in polled.values() for r in batch]
            now = dt.datetime.now(dt.UTC)
            if not records:
                if (
                    settings.idle_timeout_s is not None
                    and (now - idle_since).total_seconds() >= settings.idle_timeout_s
                ):
                    return
                continue
            idle_since = now
            for record in records:
                yield self._check(record)
                count += 1
            self._commit()
            if settings.max_messages is not None and count >= settings.max_messages:
                return

    def _poll(self, stop: threading.Event, count: int) -> Any:
        """One poll; a broker outage (the group coordinator's broker gone) waits and returns
        nothing, as an empty poll would.

        kafka-python's poll raises KafkaConnectionError when it cannot reach the
        coordinator; the client must not die of that (an agency's inbox runs unattended).
        Nothing was handed out, so the next poll reads from the same position.
        """
        try:
            return self._consumer.poll(
                timeout_ms=self._settings.poll_timeout_ms,
                max_records=_remaining(self._settings, count),
            )
        except AuthorizationError:
            raise
        except KafkaError as exc:
            logger.warning("could not poll the inbox (polling again): %s", exc)
            stop.wait(POLL_RETRY_S)
            return {}

    def _commit(self) -> None:
        """Commit what was handled; a broker outage only postpones it.

        With the group coordinator's broker gone the commit fails; the client must not
        die of that (an agency's inbox runs unattended). The deliveries are stored
        already, so the next poll's commit covers them too; if the client stops before
        one succeeds, they are read again and the store keeps one copy of each.
        """
        try:
            self._consumer.commit()
        except AuthorizationError:
            raise
        except KafkaError as exc:
            logger.warning("could not commit the inbox offsets (committed with the next): %s", exc)

    def _check(self, record: Any) -> InboxItem:
        self._metrics.received.inc()
        item = check_delivery(
            record.value,
            list(record.headers or []),
            self._trust,
            self._settings.topics,
            hub_id=self._settings.hub_id,
            partition=record.partition,
            offset=record.offset,
            decryption_key=self._settings.decryption_key,
            agency=self._settings.agency,
        )
        if item.recalled_delivery_id is not None:
            self._metrics.recalls.labels(item.document["recall"]["origin"]).inc()
            logger.warning(
                "delivery %s recalled by notice %s: %s",
                item.recalled_delivery_id,
                item.delivery_id,
                item.document["reason"],
            )
        if item.verified and item.produced_at is not None:
            self._metrics.verified.labels(item.document["origin"]).inc()
            latency = (dt.datetime.now(dt.UTC) - item.produced_at).total_seconds()
            self._metrics.end_to_end.observe(latency)
        else:
            self._metrics.rejected.labels(item.document["reason"]).inc()
            logger.warning("delivery %s rejected: %s", item.delivery_id, item.document["detail"])
        return item

    def close(self) -> None:
        """Leave the group and close the consumer."""
        self._consumer.close()


def _remaining(settings: InboxSettings, count: int) -> int:
    if settings.max_messages is None:
        return 500
    return max(1, min(500, settings.max_messages - count))

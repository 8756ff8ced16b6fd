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
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from kafka import KafkaConsumer
from kafka.errors import AuthorizationError, KafkaError

from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.errors import InboxMissing
from consumers.kafka_clients import kafka_consumer
from consumers.metrics import InboxMetrics
from producers.kafka_client import access_error
from schemas import hub_headers, reasons
from schemas import personal_data as pd
from schemas.access import inbox_group
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.envelope import (
    HEADER_AGENCY,
    HEADER_KIND,
    HEADER_MESSAGE_ID,
    EnvelopeHeader,
    RecordHeaders,
)
from schemas.errors import VerifyError
from schemas.json_mapping import format_timestamp, to_json
from schemas.signing import INCIDENT_KIND, RECALL_KIND
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.topics import TopicNames
from schemas.truststore import TrustSource
from schemas.verification import (
    VerifiedAlert,
    VerifiedIncident,
    VerifiedRecall,
    verify_alert,
    verify_incident,
    verify_recall,
)

logger = logging.getLogger(__name__)

#: How long the client waits after a poll failed for want of the broker.
POLL_RETRY_S = 1.0


@dataclass(frozen=True)
class InboxSettings:
    """How an agency reads its inbox."""

    bootstrap: str
    """Kafka bootstrap servers."""
    agency: str
    """The reading agency."""
    topics: TopicNames
    """Topic naming of the deployment."""
    group_id: str | None = None
    """Consumer group; defaults to ``corridor-inbox-<AGENCY>``."""
    idle_timeout_s: float | None = None
    """Stop after this long without a new delivery; ``None`` follows forever."""
    max_messages: int | None = None
    """Stop after this many deliveries."""
    poll_timeout_ms: int = 200
    """How long one poll waits."""
    hub_id: str = DEFAULT_HUB_ID
    """The hub's signing identity, for incidents."""
    decryption_key: X25519PrivateKey | None = None
    """The agency's X25519 private key, to decrypt personal data it is cleared for."""
    session_timeout_s: float = 10.0
    """A reader that died without leaving holds its partitions this long (a restart waits)."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the reader authenticates (the agency's identity on a secured cluster)."""


@dataclass(frozen=True)
class InboxItem:
    """One delivery as the recipient sees it."""

    delivery_id: str | None
    """The hub's stable delivery id."""
    partition: int
    """Inbox partition."""
    offset: int
    """Inbox offset."""
    verified: bool
    """True when the originator's signature and the alert checked out."""
    document: dict[str, Any]
    """What the client writes out (JSON-serialisable)."""
    produced_at: dt.datetime | None = None
    """Originator's produce time when verified."""
    message_id: str | None = None
    """The delivered envelope's message id (as claimed by the record headers if rejected)."""
    origin: str | None = None
    """The delivered envelope's signer (as claimed by the record headers if rejected)."""
    recalled_delivery_id: str | None = None
    """For a verified recall notice: the delivery id it recalls."""


def check_delivery(
    value: bytes | None,
    headers: RecordHeaders,
    trust: TrustSource,
    topics: TopicNames,
    *,
    hub_id: str = DEFAULT_HUB_ID,
    partition: int = 0,
    offset: int = 0,
    decryption_key: X25519PrivateKey | None = None,
    agency: str | None = None,
) -> InboxItem:
    """Verify one inbox record, an alert, an incident or a recall (pure), and build its document.

    The alert's ``personal_data`` shows decrypted (with ``decryption_key``), or as
    ``redacted`` / ``not_cleared`` / ``encrypted`` (see :mod:`schemas.personal_data`);
    an attachment that does not match the signed commitment rejects the delivery.
    ``trust`` is a trust store or the live key registry (``registry_expired`` rejects).
    A recall notice verifies only for the reading ``agency`` (it is bound to that inbox);
    without ``agency`` it is rejected (``wrong_topic``).
    """
    delivery = dict(headers).get(HEADER_DELIVERY_ID)
    did = delivery.decode("utf-8", "replace") if delivery is not None else None
    try:
        if value is None:
            raise VerifyError(reasons.MALFORMED_ENVELOPE, "record has no value (tombstone)")
        trust_store = trust.current()
        if dict(headers).get(HEADER_KIND) == INCIDENT_KIND.encode():
            incident = verify_incident(value, headers, trust_store, topics, hub_id)
            return _incident_item(incident, did, partition, offset)
        if dict(headers).get(HEADER_KIND) == RECALL_KIND.encode():
            if agency is None:
                raise VerifyError(
                    reasons.WRONG_TOPIC, "a recall notice is verified only by the inbox it is for"
                )
            recall = verify_recall(value, headers, trust_store, topics, hub_id, agency)
            return _recall_item(recall, did, partition, offset)
        verified = verify_alert(value, headers, trust_store, topics, read_topic=None)
        alert = to_json(verified.alert)
        alert["personal_data"] = personal_data_view(verified, decryption_key)
    except VerifyError as exc:
        claimed = dict(headers)
        return InboxItem(
            delivery_id=did,
            partition=partition,
            offset=offset,
            verified=False,
            message_id=_text(claimed.get(HEADER_MESSAGE_ID)),
            origin=_text(claimed.get(HEADER_AGENCY)),
            document={
                "delivery_id": did,
                "status": "rejected",
                "reason": exc.reason,
                "detail": exc.detail,
            },
        )
    status = hub_headers.header_value(headers, hub_headers.REVISION_STATUS)
    return _verified_item(
        verified.envelope.header,
        did,
        partition,
        offset,
        {
            "kind": "alert",
            # "update": a higher revision replacing one delivered before (same alert_id).
            "delivery": status.decode() if status is not None else "new",
            "alert": alert,
        },
    )


def personal_data_view(verified: VerifiedAlert, decryption_key: X25519PrivateKey | None) -> Any:
    """What the recipient's document shows as ``personal_data`` (JSON value).

    None when the alert names nobody; the decrypted PersonalData in the JSON mapping;
    else why it cannot be shown. Raises ``VerifyError(personal_data_mismatch)`` when a
    wrap for this recipient's key does not open the signed ciphertext.
    """
    commitment = verified.alert["personal_data"]
    if commitment is None:
        return None
    if verified.attachment is None:
        return pd.REDACTED
    if decryption_key is None:
        return pd.ENCRYPTED
    alert = verified.alert
    opened = pd.open_sealed(
        commitment,
        verified.attachment,
        agency=alert["agency"],
        alert_id=alert["alert_id"],
        revision=alert["revision"],
        private_key=decryption_key,
    )
    return pd.NOT_CLEARED if opened is None else to_json(opened)


def _incident_item(
    verified: VerifiedIncident, did: str | None, partition: int, offset: int
) -> InboxItem:
    body = {"kind": "incident", "incident": to_json(verified.incident)}
    return _verified_item(verified.envelope.header, did, partition, offset, body)


def _recall_item(
    verified: VerifiedRecall, did: str | None, partition: int, offset: int
) -> InboxItem:
    recall = verified.recall
    body = {
        "kind": "recall",
        "recalled_delivery_id": recall["recalled_delivery_id"],
        "reason": recall["reason"],
        "recall": to_json(recall),
    }
    item = _verified_item(verified.envelope.header, did, partition, offset, body)
    return replace(item, recalled_delivery_id=recall["recalled_delivery_id"])


def _verified_item(
    header: EnvelopeHeader, did: str | None, partition: int, offset: int, body: dict[str, Any]
) -> InboxItem:
    """The item of a delivery that verified: who signed it, when, and ``body``."""
    return InboxItem(
        delivery_id=did,
        partition=partition,
        offset=offset,
        verified=True,
        produced_at=header.produced_at,
        message_id=header.message_id,
        origin=header.agency,
        document={
            "delivery_id": did,
            "status": "verified",
            "origin": header.agency,
            "key_id": header.key_id,
            "message_id": header.message_id,
            "produced_at": format_timestamp(header.produced_at),
            **body,
        },
    )


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
            session_timeout_ms=int(settings.session_timeout_s * 1000),
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


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")


def _remaining(settings: InboxSettings, count: int) -> int:
    if settings.max_messages is None:
        return 500
    return max(1, min(500, settings.max_messages - count))

"""The recipient's side of receipts: sign and send them, acknowledged before moving on.

``corridor inbox --receipts`` sends ``RECEIVED`` and then ``VERIFIED`` (or ``REJECTED``
with the reason code) for every delivery it read; ``corridor receipts send`` sends
``ACTIONED`` when an analyst acted on one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from consumers.errors import DeliveryError
from consumers.inbox.check import InboxItem
from consumers.kafka_clients import acked_producer
from consumers.receipts.ledger import RECEIVED, REJECTED, VERIFIED, receipt_datum
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.signing import SignedRecord, now_ms, sign_receipt
from schemas.topics import TopicNames

#: Stand-in for what a record that did not verify did not say about itself.
UNKNOWN = "unknown"


def receipts_for_item(agency: str, item: InboxItem, at: dt.datetime) -> list[dict[str, Any]]:
    """The receipts a recipient sends for one delivery it read (pure)."""
    if item.delivery_id is None:
        return []
    reason = None if item.verified else str(item.document.get("reason", UNKNOWN))

    def receipt(status: str, note: str | None = None) -> dict[str, Any]:
        return receipt_datum(
            delivery_id=item.delivery_id or UNKNOWN,
            message_id=item.message_id or UNKNOWN,
            origin=item.origin or UNKNOWN,
            recipient=agency,
            status=status,
            at=at,
            note=note,
        )

    if reason is None:
        return [receipt(RECEIVED), receipt(VERIFIED)]
    return [receipt(RECEIVED), receipt(REJECTED, reason)]


class ReceiptSender:
    """Signs receipts with the recipient's key and waits for acks=all."""

    def __init__(
        self,
        bootstrap: str,
        agency: str,
        private_key: Ed25519PrivateKey,
        topics: TopicNames,
        *,
        timeout_s: float = 30.0,
        security: ClientSecurity = PLAINTEXT_CLIENT,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        self._agency = agency
        self._key = private_key
        self._topics = topics
        self._timeout_s = timeout_s
        self._producer = acked_producer(
            producer_factory,
            bootstrap=bootstrap,
            security=security,
            client_id=f"corridor-receipts-{agency}",
        )

    def for_item(self, item: InboxItem) -> int:
        """Send the receipts for one delivery; returns how many were acknowledged."""
        return self.send(receipts_for_item(self._agency, item, now_ms()))

    def send(self, receipts: list[dict[str, Any]]) -> int:
        """Sign and send ``receipts``; raise :class:`DeliveryError` unless all were acked."""
        records: list[SignedRecord] = [sign_receipt(r, self._key, self._topics) for r in receipts]
        futures = [
            self._producer.send(r.topic, key=r.key, value=r.value, headers=r.headers)
            for r in records
        ]
        self._producer.flush(timeout=self._timeout_s)
        failed = [f for f in futures if not (f.is_done and f.succeeded())]
        if failed:
            raise DeliveryError(
                f"{len(failed)} of {len(futures)} receipts not acknowledged: "
                f"{failed[0].exception if failed[0].is_done else 'timed out'}"
            )
        return len(futures)

    def close(self) -> None:
        """Flush and close the producer."""
        self._producer.close(timeout=self._timeout_s)

"""The JSON body of a webhook POST: one inbox record, byte for byte (pure).

Format ``corridor-webhook/1``::

    {"format": "corridor-webhook/1", "delivery_id": "...", "recipient": "GR-HCG",
     "record": {"topic": "...", "partition": 0, "offset": 12, "key_b64": "...",
                "headers": [["corridor-kind", "YWxlcnQ="], ...], "value_b64": "..."}}

The record is the recipient's inbox record: the originator's signed envelope and its
Kafka headers, so the receiver verifies the originator itself, as an inbox reader does.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.errors import WebhookFormatError
from schemas.envelope import RecordHeaders
from schemas.errors import DocumentError
from schemas.user_files import loads_json_bytes
from schemas.validation import is_agency_id

FORMAT = "corridor-webhook/1"
#: Bodies larger than this are refused by the receiver (an envelope is at most ~1 MiB).
MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class InboxRecord:
    """One record of an inbox topic, as consumed."""

    topic: str
    """Inbox topic."""
    partition: int
    """Its partition."""
    offset: int
    """Its offset."""
    key: bytes | None
    """Record key."""
    value: bytes | None
    """Record value: the originator's signed envelope."""
    headers: RecordHeaders
    """Record headers, including ``corridor-delivery-id``."""

    @classmethod
    def of(cls, record: Any) -> InboxRecord:
        """From a kafka-python ``ConsumerRecord``."""
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=[(n, b"" if v is None else v) for n, v in (record.headers or [])],
        )

    @property
    def delivery_id(self) -> str | None:
        """The hub's delivery id header, if present and readable."""
        values = [v for n, v in self.headers if n == HEADER_DELIVERY_ID]
        if len(values) != 1:
            return None
        try:
            return values[0].decode("ascii")
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class WebhookDelivery:
    """A parsed webhook body."""

    delivery_id: str
    """The delivery id in the body."""
    recipient: str
    """The agency it is addressed to."""
    record: InboxRecord
    """The inbox record it carries."""


def record_json(record: InboxRecord) -> dict[str, Any]:
    """The JSON form of an inbox record (also used by dead-letter records)."""
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key_b64": _b64(record.key),
        "headers": [[name, _b64(value)] for name, value in record.headers],
        "value_b64": _b64(record.value),
    }


def parse_record_json(raw: Any, where: str = "record") -> InboxRecord:
    """Inverse of :func:`record_json`; raises :class:`WebhookFormatError`."""
    if not isinstance(raw, dict):
        raise WebhookFormatError(f"{where}: expected an object")
    topic, partition, offset = raw.get("topic"), raw.get("partition"), raw.get("offset")
    if not isinstance(topic, str):
        raise WebhookFormatError(f"{where}.topic: expected a string")
    partition = _position(partition, f"{where}.partition")
    offset = _position(offset, f"{where}.offset")
    raw_headers = raw.get("headers")
    if not isinstance(raw_headers, list):
        raise WebhookFormatError(f"{where}.headers: expected a list of [name, base64] pairs")
    headers: RecordHeaders = []
    for i, pair in enumerate(raw_headers):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise WebhookFormatError(f"{where}.headers[{i}]: expected [name, base64]")
        value = _unb64(pair[1], f"{where}.headers[{i}]")
        if value is None:
            raise WebhookFormatError(f"{where}.headers[{i}]: a header value cannot be null")
        headers.append((pair[0], value))
    return InboxRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        key=_unb64(raw.get("key_b64"), f"{where}.key_b64"),
        value=_unb64(raw.get("value_b64"), f"{where}.value_b64"),
        headers=headers,
    )


def webhook_body(delivery_id: str, recipient: str, record: InboxRecord) -> bytes:
    """The POST body (compact UTF-8 JSON) for one delivery."""
    document = {
        "format": FORMAT,
        "delivery_id": delivery_id,
        "recipient": recipient,
        "record": record_json(record),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def parse_webhook_body(body: bytes) -> WebhookDelivery:
    """Parse a POST body, or raise :class:`WebhookFormatError`.

    The record's ``corridor-delivery-id`` header must equal the body's delivery id.
    """
    try:
        document = loads_json_bytes(body, "POST body")
    except DocumentError as exc:
        raise WebhookFormatError(f"body is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise WebhookFormatError(f"body is not a {FORMAT} document")
    delivery_id, recipient = document.get("delivery_id"), document.get("recipient")
    if not isinstance(delivery_id, str) or not delivery_id:
        raise WebhookFormatError("delivery_id: expected a non-empty string")
    if not isinstance(recipient, str) or not is_agency_id(recipient):
        raise WebhookFormatError("recipient: expected an agency id")
    record = parse_record_json(document.get("record"))
    if record.delivery_id != delivery_id:
        raise WebhookFormatError(
            f"record header {HEADER_DELIVERY_ID} does not match the body's delivery_id"
        )
    return WebhookDelivery(delivery_id=delivery_id, recipient=recipient, record=record)


def _position(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WebhookFormatError(f"{where}: expected a non-negative integer")
    return value


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: Any, where: str) -> bytes | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise WebhookFormatError(f"{where}: expected base64 text or null")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookFormatError(f"{where}: not valid base64") from exc

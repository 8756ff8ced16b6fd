"""Which life event a record of a pipeline topic is, for the audit chain (pure).

The auditor reads the pipeline's own topics; each record is at most one event.
Records are untrusted bytes: a record that cannot be parsed still becomes its event
(with its digest and ``malformed``), never an exception. Alert payloads are never
decoded before their signature is checked (``verify before parse``): a received or
quarantined alert is named by its record key (unsigned, ``claimed``) and its
envelope's message id, and joined to its verified self by the SHA-256 of its bytes,
which the hub passes on unchanged. Only hub-signed payloads (incidents, recall
notices) are decoded here; receipts are verified with the trust store first.

What each topic means (see :func:`source_roles`)::

    inbound.<A>   received          verified      verified
    quarantine    quarantined       alerts        passed_dedupe
    incidents     correlated        inbox.<A>     delivered / recalled
    receipts.<A>  receipted         deadletter    dead_lettered / replayed
    keys          key_registry_changed            audit-events   what a process reports
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from consumers.audit.sources import (
    ALERTS,
    AUDIT_EVENTS,
    DEAD_LETTERS,
    INBOUND,
    INBOX,
    INCIDENTS,
    KEYS,
    QUARANTINE,
    RECEIPTS,
    VERIFIED,
    Event,
    Role,
)
from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.webhooks.dead_letters import DEAD_LETTER
from consumers.webhooks.dead_letters import REPLAYED as DEAD_LETTER_REPLAYED
from schemas import audit, hub_headers, reasons
from schemas.codec import DECODE_ERRORS, decode_single_object
from schemas.envelope import HEADER_MESSAGE_ID, RecordHeaders, open_envelope
from schemas.errors import CorridorError, VerifyError
from schemas.registry import parse_document, parse_signed
from schemas.signing import INCIDENT_KIND, RECALL_KIND
from schemas.truststore import TrustStore
from schemas.verification import verify_receipt

logger = logging.getLogger(__name__)


def digest(value: bytes | None) -> str | None:
    """SHA-256 of a record value, hex (None for a tombstone)."""
    return None if value is None else hashlib.sha256(value).hexdigest()


def _text(raw: bytes | None, limit: int = 200) -> str | None:
    if raw is None:
        return None
    text = raw[:limit].decode("utf-8", "replace")
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _headers(record: Any) -> RecordHeaders:
    return [(str(n), b"" if v is None else bytes(v)) for n, v in (record.headers or [])]


def _header(headers: RecordHeaders, name: str) -> str | None:
    return _text(hub_headers.header_value(headers, name))


def _message_id(value: bytes | None) -> str | None:
    """The protected header's message id (only the bounded header is decoded)."""
    if value is None:
        return None
    try:
        return open_envelope(value).header.message_id
    except VerifyError:
        return None


def derive(record: Any, role: Role, trust: TrustStore | None) -> Event | None:
    """The event a consumed record (kafka-python ``ConsumerRecord``) stands for."""
    at = int(record.timestamp)
    handler = _HANDLERS[role.name]
    try:
        subject = handler(record, role, trust)
    except Exception as exc:  # still chained: no record of any shape may stop the auditor
        logger.exception("cannot derive the event of %s@%d", record.topic, record.offset)
        value = record.value if isinstance(record.value, bytes) else None
        subject = {
            "_kind": audit.QUARANTINED,
            "stage": role.name,
            "reason": reasons.UNPROCESSABLE,
            "digest": digest(value),
            "malformed": f"{type(exc).__name__}: {exc}"[:200],
        }
    if subject is None:
        return None
    kind = str(subject.pop("_kind"))
    if "_at" in subject:
        at = int(subject.pop("_at") or at)
    return Event(kind, at, {k: v for k, v in subject.items() if v is not None})


def _received(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    message_id = _message_id(record.value)
    return {
        "_kind": audit.RECEIVED,
        "agency": role.agency,
        "alert": _text(record.key),
        "message_id": message_id,
        "digest": digest(record.value),
        "malformed": None if message_id else "not an envelope",
    }


def _verified(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    headers = _headers(record)
    return {
        "_kind": audit.VERIFIED,
        "alert": _text(record.key),
        "revision": _int(_header(headers, hub_headers.REVISION)),
        "message_id": _header(headers, HEADER_MESSAGE_ID),
        "digest": digest(record.value),
    }


def _passed(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    headers = _headers(record)
    return {
        "_kind": audit.PASSED_DEDUPE,
        "alert": _text(record.key),
        "status": _header(headers, hub_headers.REVISION_STATUS),
        "message_id": _header(headers, HEADER_MESSAGE_ID),
        "digest": digest(record.value),
    }


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() and len(text) < 16 else None


def _quarantined(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    subject: dict[str, Any] = {"_kind": audit.QUARANTINED, "digest": None}
    try:
        document = json.loads(record.value)
        source = document["source"]
        original = document.get("value_b64")
        value = None if original is None else base64.b64decode(original, validate=True)
        subject.update(
            stage=_str(document.get("stage")),
            reason=_str(document.get("reason")),
            source_topic=_str(source.get("topic")),
            source_partition=_small_int(source.get("partition")),
            source_offset=_small_int(source.get("offset")),
            # A truncated record keeps only the original's digest (wire format 12.2).
            digest=digest(value) if value is not None else _str(document.get("value_sha256")),
            message_id=_message_id(value),
        )
    except (TypeError, ValueError, KeyError, AttributeError, binascii.Error, RecursionError):
        subject["malformed"] = "not a quarantine record"
    key = _text(record.key)
    # Alerts are keyed AGENCY:alert_id; receipts (stage receipts) by their delivery id.
    if subject.get("stage") == "receipts":
        subject["delivery"] = key
    else:
        subject["alert"] = key
    return subject


def _str(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) else None


def _small_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _signed_datum(value: bytes | None) -> tuple[str, dict[str, Any]] | None:
    """Kind and payload of a hub-signed envelope (incidents, recalls: the hub wrote them)."""
    if value is None:
        return None
    try:
        envelope = open_envelope(value)
        _, datum = decode_single_object(envelope.payload)
    except (VerifyError, *DECODE_ERRORS):
        return None
    return envelope.header.kind, datum


def _correlated(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    opened = _signed_datum(record.value)
    if opened is None or opened[0] != INCIDENT_KIND:
        return {
            "_kind": audit.CORRELATED,
            "incident": _text(record.key),
            "digest": digest(record.value),
            "malformed": "not an incident",
        }
    incident = opened[1]
    return {
        "_kind": audit.CORRELATED,
        "incident": incident["incident_id"],
        "version": incident["version"],
        "status": incident["status"],
        "alerts": [f"{m['agency']}:{m['alert_id']}" for m in incident["members"]],
        "digest": digest(record.value),
    }


def _inbox(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    headers = _headers(record)
    opened = (
        _signed_datum(record.value) if _header(headers, "corridor-kind") == RECALL_KIND else None
    )
    if opened is not None and opened[0] == RECALL_KIND:
        recall = opened[1]
        return {
            "_kind": audit.RECALLED,
            "agency": role.agency,
            "delivery": recall["recalled_delivery_id"],
            "alert": f"{recall['origin']}:{recall['alert_id']}",
            "revision": recall["revision"],
            "reason": recall["reason"],
        }
    kind = _header(headers, "corridor-kind")
    subject: dict[str, Any] = {
        "_kind": audit.DELIVERED,
        "agency": role.agency,
        "delivery": _header(headers, HEADER_DELIVERY_ID),
        "item": kind,
        "message_id": _header(headers, HEADER_MESSAGE_ID),
        "digest": digest(record.value),
    }
    subject["incident" if kind == INCIDENT_KIND else "alert"] = _text(record.key)
    return subject


def _receipted(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "_kind": audit.RECEIPTED,
        "agency": role.agency,
        "delivery": _text(record.key),
        "digest": digest(record.value),
    }
    if trust is None or record.value is None:
        subject["reason"] = "not verified"
        return subject
    try:
        receipt = verify_receipt(record.value, _headers(record), trust, role.topics).receipt
    except (VerifyError, *DECODE_ERRORS) as exc:
        subject["reason"] = getattr(exc, "reason", "malformed_payload")
        return subject
    subject.update(
        delivery=receipt["delivery_id"],
        status=receipt["status"],
        signer=receipt["recipient"],
        message_id=receipt["message_id"],
        _at=int(receipt["at"].timestamp() * 1000),
    )
    return subject


def _dead_letter(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    try:
        document = json.loads(record.value)
        kind = document.get("type")
    except (TypeError, ValueError, AttributeError, RecursionError):
        document, kind = {}, None
    subject: dict[str, Any] = {
        "_kind": audit.REPLAYED if kind == DEAD_LETTER_REPLAYED else audit.DEAD_LETTERED,
        "delivery": _str(document.get("delivery_id")) or _text(record.key),
        "agency": _str(document.get("agency")),
    }
    if kind == DEAD_LETTER:
        subject.update(
            attempts=_small_int(document.get("attempts")),
            http_status=_small_int(document.get("last_status")),
        )
    elif kind == DEAD_LETTER_REPLAYED:
        subject["http_status"] = _small_int(document.get("status"))
    else:
        subject["malformed"] = "not a dead-letter record"
    return subject


def _key_registry(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    subject: dict[str, Any] = {"_kind": audit.KEY_REGISTRY_CHANGED, "digest": digest(record.value)}
    if record.value is None:
        subject["malformed"] = "tombstone"
        return subject
    try:
        signed = parse_signed(record.value)
        registry = parse_document(signed.document)
        subject.update(
            version=registry.version,
            signer=",".join(sorted(s.key_id for s in signed.signatures)),
            digest=signed.digest,
        )
    except CorridorError as exc:
        subject["malformed"] = str(getattr(exc, "reason", "malformed"))
    return subject


def _process_event(record: Any, role: Role, trust: TrustStore | None) -> dict[str, Any]:
    try:
        kind, at, subject = audit.parse_audit_event(record.value)
    except audit.AuditFormatError as exc:
        # Still chained: someone wrote something unexpected to the audit-events topic.
        return {
            "_kind": audit.QUARANTINED,
            "stage": AUDIT_EVENTS,
            "reason": "malformed_event",
            "digest": digest(record.value),
            "malformed": str(exc)[:200],
        }
    return {"_kind": kind, "_at": at, **subject}


_HANDLERS: Mapping[str, Any] = {
    INBOUND: _received,
    VERIFIED: _verified,
    ALERTS: _passed,
    QUARANTINE: _quarantined,
    INCIDENTS: _correlated,
    INBOX: _inbox,
    RECEIPTS: _receipted,
    DEAD_LETTERS: _dead_letter,
    KEYS: _key_registry,
    AUDIT_EVENTS: _process_event,
}

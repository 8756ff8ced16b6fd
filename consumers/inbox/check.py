"""One delivery as the recipient checks it: verified against its own trust store (pure).

Verification happens here again, at the recipient: the hub is trusted to route, not to
vouch for content. Personal data is decrypted here, with the recipient's own X25519 key,
after its ciphertext was checked against the originator's signed commitment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from consumers.delivery.routing import HEADER_DELIVERY_ID
from schemas import hub_headers, reasons
from schemas import personal_data as pd
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


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")

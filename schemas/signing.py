"""Turning an alert into a signed Kafka record: the producer's half of the contract."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import personal_data as pd
from schemas.catalog import (
    SchemaInfo,
    alert_schema,
    incident_schema,
    recall_schema,
    receipt_schema,
)
from schemas.codec import encode_single_object
from schemas.envelope import EnvelopeHeader, RecordHeaders, seal
from schemas.errors import ValidationError
from schemas.keys import key_id
from schemas.topics import TopicNames, message_key
from schemas.validation import check_alert, check_personal_data

ALERT_KIND = "alert"


@dataclass(frozen=True)
class SignedRecord:
    """A Kafka record ready to produce."""

    topic: str
    """Destination topic (the agency's inbound topic)."""
    key: bytes
    """``AGENCY:alert_id``, so all revisions of an alert share a partition."""
    value: bytes
    """The signed envelope."""
    headers: RecordHeaders
    """Kafka record headers mirroring the signed header."""
    header: EnvelopeHeader
    """The protected header that was signed."""
    alert_id: str
    """The alert's id, for reporting."""
    revision: int
    """The alert's revision, for reporting."""


def now_ms() -> dt.datetime:
    """The current UTC time at millisecond precision (what the envelope can carry)."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _seal_payload(
    kind: str,
    topic: str,
    signer: str,
    info: SchemaInfo,
    datum: dict[str, Any],
    private_key: Ed25519PrivateKey,
    produced_at: dt.datetime | None,
    message_id: str | None,
    *,
    fast: bool = False,
) -> tuple[EnvelopeHeader, bytes]:
    """The protected header and sealed record value of one payload.

    ``fast``: encoded by fastavro (:func:`schemas.codec.encode_binary_fast`).
    """
    header = EnvelopeHeader(
        kind=kind,
        topic=topic,
        agency=signer,
        key_id=key_id(private_key.public_key()),
        message_id=message_id or str(uuid.uuid4()),
        produced_at=produced_at or now_ms(),
        schema_name=info.fullname,
        schema_fingerprint=info.fingerprint,
    )
    return header, seal(header, encode_single_object(info, datum, fast=fast), private_key)


def sign_alert(
    alert: dict[str, Any],
    private_key: Ed25519PrivateKey,
    topics: TopicNames,
    *,
    personal_data: dict[str, Any] | None = None,
    recipients: Sequence[pd.RecipientKey] = (),
    produced_at: dt.datetime | None = None,
    message_id: str | None = None,
    seal_randomness: pd.SealRandomness | None = None,
) -> SignedRecord:
    """Validate ``alert`` (an Avro datum), then encode and sign it for its agency.

    ``personal_data`` (a ``corridor.v1.PersonalData`` datum, kept apart from the alert)
    is sealed to ``recipients``: the signed alert carries its commitment, the record
    the encrypted attachment header. ``produced_at``, ``message_id`` and
    ``seal_randomness`` are fixed only to build test vectors.
    """
    if alert.get("personal_data") is not None:
        raise ValidationError(
            ["personal_data: pass personal data apart from the alert, to be sealed"]
        )
    check_alert(alert)
    agency = alert["agency"]
    topic = topics.inbound(agency)
    extra: RecordHeaders = []
    if personal_data is not None:
        check_personal_data(personal_data)
        sealed = pd.seal(
            personal_data,
            agency=agency,
            alert_id=alert["alert_id"],
            revision=alert["revision"],
            recipients=recipients,
            randomness=seal_randomness,
        )
        alert = {**alert, "personal_data": sealed.commitment}
        extra = [(pd.HEADER, sealed.attachment)]
    header, value = _seal_payload(
        ALERT_KIND, topic, agency, alert_schema(), alert, private_key, produced_at, message_id
    )
    return SignedRecord(
        topic=topic,
        key=message_key(agency, alert["alert_id"]),
        value=value,
        headers=[*header.record_headers(), *extra],
        header=header,
        alert_id=alert["alert_id"],
        revision=alert["revision"],
    )


def _signed_record(
    kind: str,
    topic: str,
    signer: str,
    info: SchemaInfo,
    datum: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    record_key: str,
    label: tuple[str, int],
    produced_at: dt.datetime | None,
    message_id: str | None,
    fast: bool = False,
) -> SignedRecord:
    """Seal ``datum`` and wrap it as a record keyed ``record_key`` (UTF-8) for ``topic``.

    ``label`` is what reports call the message: an id and a revision or version.
    """
    header, value = _seal_payload(
        kind, topic, signer, info, datum, private_key, produced_at, message_id, fast=fast
    )
    return SignedRecord(
        topic=topic,
        key=record_key.encode(),
        value=value,
        headers=header.record_headers(),
        header=header,
        alert_id=label[0],
        revision=label[1],
    )


INCIDENT_KIND = "incident"


def sign_incident(
    incident: dict[str, Any],
    private_key: Ed25519PrivateKey,
    topics: TopicNames,
    hub_id: str,
    *,
    produced_at: dt.datetime | None = None,
    message_id: str | None = None,
) -> SignedRecord:
    """Encode and sign an incident datum as the task-force hub, for the incidents topic."""
    return _signed_record(
        INCIDENT_KIND,
        topics.incidents,
        hub_id,
        incident_schema(),
        incident,
        private_key,
        record_key=incident["incident_id"],
        label=(incident["incident_id"], incident["version"]),
        produced_at=produced_at,
        message_id=message_id,
        # The hub assembles incidents itself, at every change of a possibly large one.
        fast=True,
    )


RECEIPT_KIND = "receipt"


def sign_receipt(
    receipt: dict[str, Any],
    private_key: Ed25519PrivateKey,
    topics: TopicNames,
    *,
    produced_at: dt.datetime | None = None,
    message_id: str | None = None,
) -> SignedRecord:
    """Encode and sign a receipt as its recipient, for the recipient's receipts topic."""
    recipient = receipt["recipient"]
    return _signed_record(
        RECEIPT_KIND,
        topics.receipts(recipient),
        recipient,
        receipt_schema(),
        receipt,
        private_key,
        record_key=receipt["delivery_id"],
        label=(receipt["delivery_id"], 0),
        produced_at=produced_at,
        message_id=message_id,
    )


RECALL_KIND = "recall"


def sign_recall(
    recall: dict[str, Any],
    private_key: Ed25519PrivateKey,
    topics: TopicNames,
    hub_id: str,
    *,
    produced_at: dt.datetime | None = None,
    message_id: str | None = None,
) -> SignedRecord:
    """Encode and sign a recall notice as the hub, bound to its recipient's inbox topic.

    The record key is the recalled delivery id. ``message_id`` is fixed by the caller
    (derived from the recalled delivery), so a notice issued again keeps its ids.
    """
    return _signed_record(
        RECALL_KIND,
        topics.inbox(recall["recipient"]),
        hub_id,
        recall_schema(),
        recall,
        private_key,
        record_key=recall["recalled_delivery_id"],
        label=(recall["alert_id"], recall["revision"]),
        produced_at=produced_at,
        message_id=message_id,
    )

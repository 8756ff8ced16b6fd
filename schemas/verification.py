"""Checking a received alert record: the verifier's half of the contract.

Steps, each with its own reason code: framing, header, Kafka headers, kind,
topic binding, agency and key, signature over the received bytes, payload schema,
payload decoding, originator binding, semantic rules, and the encrypted personal
data's match with the signed commitment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas import reasons
from schemas.catalog import (
    SchemaInfo,
    alert_schema,
    incident_schema,
    payload_schemas,
    recall_schema,
    receipt_schema,
)
from schemas.codec import decode_single_object, split_single_object
from schemas.envelope import Envelope, RecordHeaders, check_record_headers, open_envelope
from schemas.errors import VerifyError
from schemas.personal_data import check_attachment
from schemas.signing import ALERT_KIND, INCIDENT_KIND, RECALL_KIND, RECEIPT_KIND
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.validation import alert_problems


def _decode_payload(envelope: Envelope, expected: SchemaInfo) -> tuple[SchemaInfo, dict[str, Any]]:
    """Decode the (authentic) payload, which must be of the schema its kind calls for."""
    header = envelope.header
    fingerprint, _ = split_single_object(envelope.payload)
    if fingerprint != header.schema_fingerprint:
        raise VerifyError(
            reasons.SCHEMA_MISMATCH, "payload schema differs from the one in the signed header"
        )
    if fingerprint != expected.fingerprint and fingerprint in payload_schemas():
        raise VerifyError(
            reasons.SCHEMA_MISMATCH,
            f"a {header.kind} must carry {expected.fullname}, not {header.schema_name}",
        )
    info, datum = decode_single_object(envelope.payload)
    if info.fullname != header.schema_name:
        raise VerifyError(
            reasons.SCHEMA_MISMATCH,
            f"header names {header.schema_name}, payload is {info.fullname}",
        )
    return info, datum


@dataclass(frozen=True)
class VerifiedAlert:
    """An alert whose origin and integrity have been established."""

    envelope: Envelope
    """The envelope, with the header now trusted."""
    schema: SchemaInfo
    """The payload's schema."""
    alert: dict[str, Any]
    """The decoded alert datum."""
    value: bytes
    """The originator's record value, byte for byte."""
    attachment: dict[str, Any] | None = None
    """The decoded personal-data attachment, checked against the signed commitment."""


def verify_alert(
    value: bytes,
    record_headers: RecordHeaders,
    trust_store: TrustStore,
    topics: TopicNames,
    *,
    read_topic: str | None,
) -> VerifiedAlert:
    """Verify a signed alert record or raise :class:`VerifyError` with a reason.

    ``read_topic`` is the topic the record was consumed from when that is the
    originator's inbound topic; ``None`` for a copy delivered elsewhere (an inbox),
    where only the binding to the originator's inbound topic is checked. On an
    inbound topic an alert that commits to personal data must carry its attachment;
    an inbox copy may come without (redacted for this recipient).
    """
    envelope = open_envelope(value)
    header = envelope.header
    check_record_headers(header, record_headers)
    if header.kind != ALERT_KIND:
        raise VerifyError(reasons.WRONG_KIND, f"expected kind {ALERT_KIND!r}, got {header.kind!r}")
    if header.topic != topics.inbound(header.agency):
        raise VerifyError(
            reasons.WRONG_TOPIC,
            f"signed for topic {header.topic!r}, not {header.agency}'s inbound topic",
        )
    if read_topic is not None and read_topic != header.topic:
        raise VerifyError(
            reasons.WRONG_TOPIC, f"signed for topic {header.topic!r} but read from {read_topic!r}"
        )
    public_key = trust_store.public_key(header.agency, header.key_id, header.produced_at)
    envelope.verify_signature(public_key)
    # From here on the header is authentic.
    info, alert = _decode_payload(envelope, alert_schema())
    if alert["agency"] != header.agency:
        raise VerifyError(
            reasons.AGENCY_MISMATCH,
            f"alert claims agency {alert['agency']!r} but was signed by {header.agency}",
        )
    problems = alert_problems(alert)
    if problems:
        raise VerifyError(reasons.INVALID_ALERT, "; ".join(problems))
    attachment = check_attachment(
        alert["personal_data"], record_headers, required=read_topic is not None
    )
    return VerifiedAlert(
        envelope=envelope, schema=info, alert=alert, value=value, attachment=attachment
    )


@dataclass(frozen=True)
class VerifiedIncident:
    """An incident whose origin (the task-force hub) and integrity have been established."""

    envelope: Envelope
    """The envelope, with the header now trusted."""
    incident: dict[str, Any]
    """The decoded incident datum."""
    value: bytes
    """The hub's record value, byte for byte."""


def verify_incident(
    value: bytes,
    record_headers: RecordHeaders,
    trust_store: TrustStore,
    topics: TopicNames,
    hub_id: str,
) -> VerifiedIncident:
    """Verify a signed incident record (hub-signed, bound to the incidents topic)."""
    envelope = open_envelope(value)
    header = envelope.header
    check_record_headers(header, record_headers)
    if header.kind != INCIDENT_KIND:
        raise VerifyError(
            reasons.WRONG_KIND, f"expected kind {INCIDENT_KIND!r}, got {header.kind!r}"
        )
    if header.agency != hub_id:
        raise VerifyError(
            reasons.AGENCY_MISMATCH,
            f"incidents are signed by the hub {hub_id}, not {header.agency}",
        )
    if header.topic != topics.incidents:
        raise VerifyError(
            reasons.WRONG_TOPIC, f"signed for topic {header.topic!r}, not the incidents topic"
        )
    public_key = trust_store.public_key(header.agency, header.key_id, header.produced_at)
    envelope.verify_signature(public_key)
    _, incident = _decode_payload(envelope, incident_schema())
    return VerifiedIncident(envelope=envelope, incident=incident, value=value)


@dataclass(frozen=True)
class VerifiedReceipt:
    """A receipt whose signer (the recipient it speaks for) and integrity are established."""

    envelope: Envelope
    """The envelope, with the header now trusted."""
    receipt: dict[str, Any]
    """The decoded receipt datum."""


def verify_receipt(
    value: bytes, record_headers: RecordHeaders, trust_store: TrustStore, topics: TopicNames
) -> VerifiedReceipt:
    """Verify a signed receipt: signed by the recipient it names, bound to its receipts topic."""
    envelope = open_envelope(value)
    header = envelope.header
    check_record_headers(header, record_headers)
    if header.kind != RECEIPT_KIND:
        raise VerifyError(
            reasons.WRONG_KIND, f"expected kind {RECEIPT_KIND!r}, got {header.kind!r}"
        )
    if header.topic != topics.receipts(header.agency):
        raise VerifyError(
            reasons.WRONG_TOPIC,
            f"signed for topic {header.topic!r}, not {header.agency}'s receipts topic",
        )
    public_key = trust_store.public_key(header.agency, header.key_id, header.produced_at)
    envelope.verify_signature(public_key)
    _, receipt = _decode_payload(envelope, receipt_schema())
    if receipt["recipient"] != header.agency:
        raise VerifyError(
            reasons.AGENCY_MISMATCH,
            f"receipt for {receipt['recipient']!r} signed by {header.agency}",
        )
    return VerifiedReceipt(envelope=envelope, receipt=receipt)


@dataclass(frozen=True)
class VerifiedRecall:
    """A recall notice whose signer (the hub) and recipient binding are established."""

    envelope: Envelope
    """The envelope, with the header now trusted."""
    recall: dict[str, Any]
    """The decoded recall datum."""


def verify_recall(
    value: bytes,
    record_headers: RecordHeaders,
    trust_store: TrustStore,
    topics: TopicNames,
    hub_id: str,
    recipient: str,
) -> VerifiedRecall:
    """Verify a recall notice read from ``recipient``'s inbox.

    Signed by the hub, for ``recipient``'s inbox topic (so a notice cannot be replayed
    into another agency's inbox), carrying a Recall naming ``recipient``.
    """
    envelope = open_envelope(value)
    header = envelope.header
    check_record_headers(header, record_headers)
    if header.kind != RECALL_KIND:
        raise VerifyError(reasons.WRONG_KIND, f"expected kind {RECALL_KIND!r}, got {header.kind!r}")
    if header.agency != hub_id:
        raise VerifyError(
            reasons.AGENCY_MISMATCH,
            f"recall notices are signed by the hub {hub_id}, not {header.agency}",
        )
    if header.topic != topics.inbox(recipient):
        raise VerifyError(
            reasons.WRONG_TOPIC,
            f"signed for topic {header.topic!r}, not {recipient}'s inbox",
        )
    public_key = trust_store.public_key(header.agency, header.key_id, header.produced_at)
    envelope.verify_signature(public_key)
    _, recall = _decode_payload(envelope, recall_schema())
    if recall["recipient"] != recipient:
        raise VerifyError(
            reasons.AGENCY_MISMATCH,
            f"recall for {recall['recipient']!r} in {recipient}'s inbox",
        )
    return VerifiedRecall(envelope=envelope, recall=recall)

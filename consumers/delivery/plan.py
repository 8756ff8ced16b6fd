"""Which inbox writes one record of the alerts or incidents topic becomes (pure).

Who is entitled is the sharing policy's decision (:mod:`consumers.delivery.policy`);
of the record headers only :data:`FORWARDED_HEADERS` travel, plus the delivery id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from consumers.delivery.policy import ALERT, INCIDENT, Decision, decide_all
from consumers.delivery.routing import HEADER_DELIVERY_ID, delivery_id
from schemas import hub_headers, reasons
from schemas.codec import decode_single_object
from schemas.envelope import (
    HEADER_AGENCY,
    HEADER_ENVELOPE,
    HEADER_KEY_ID,
    HEADER_KIND,
    HEADER_MESSAGE_ID,
    RecordHeaders,
    open_envelope,
)
from schemas.errors import VerifyError
from schemas.marking import Release
from schemas.personal_data import HEADER as PERSONAL_DATA_HEADER
from schemas.personal_data import headers_for_recipient
from schemas.signing import INCIDENT_KIND
from schemas.taskforce import TaskForce

#: The only record headers a recipient receives (besides the delivery id).
FORWARDED_HEADERS = frozenset(
    {
        HEADER_ENVELOPE,
        HEADER_KIND,
        HEADER_AGENCY,
        HEADER_KEY_ID,
        HEADER_MESSAGE_ID,
        hub_headers.REVISION_STATUS,
        # Rewritten per recipient: only its own key wrap, or removed (not cleared).
        PERSONAL_DATA_HEADER,
    }
)


@dataclass(frozen=True)
class InboxWrite:
    """One record to write to one member's inbox."""

    recipient: str
    """Recipient agency id."""
    topic: str
    """Its inbox topic."""
    key: bytes | None
    """The original key."""
    value: bytes
    """The originator's signed bytes, unchanged."""
    headers: RecordHeaders
    """The forwarded headers plus the delivery id."""
    produced_at: dt.datetime
    """The originator's produce time, for the latency metric."""
    personal_data: bool = False
    """Whether the recipient is cleared for the personal-data fields."""


@dataclass(frozen=True)
class DeliveryPlan:
    """What to do with one verified record."""

    writes: list[InboxWrite]
    """Inbox writes (possibly none: e.g. TLP:RED naming nobody else)."""
    undeliverable: str | None = None
    """Why the record cannot be delivered at all (quarantined instead)."""
    kind: str = ALERT
    """``alert`` or ``incident``."""
    decisions: tuple[Decision, ...] = ()
    """The policy's decision for every member."""


def plan_delivery(
    key: bytes | None,
    value: bytes | None,
    headers: RecordHeaders,
    taskforce: TaskForce,
    encryption_key_ids: Mapping[str, Collection[str]] | None = None,
) -> DeliveryPlan:
    """Decide the inbox writes for one record of the alerts topic (pure).

    A recipient the policy clears for personal data gets the attachment with only the
    wraps for its ``encryption_key_ids``; everyone else gets no attachment.
    """
    key_ids = encryption_key_ids or {}
    if value is None:
        return DeliveryPlan(writes=[], undeliverable=f"{reasons.TOMBSTONE}: record has no value")
    try:
        envelope = open_envelope(value)
    except VerifyError as exc:
        return DeliveryPlan(writes=[], undeliverable=f"{exc.reason}: {exc.detail}")
    # An incident's release is the hub's header: its payload (all members' details, the
    # largest records on the wire) is not decoded here; every recipient verifies it.
    if envelope.header.kind == INCIDENT_KIND:
        kind = INCIDENT
        raw_release = hub_headers.header_value(headers, hub_headers.RELEASE)
        if raw_release is None:
            return DeliveryPlan(
                writes=[], undeliverable="missing_release: incident without the hub's release"
            )
        try:
            release = Release.from_json(raw_release)
        except ValueError as exc:
            return DeliveryPlan(writes=[], undeliverable=f"missing_release: {exc}")
    else:
        kind = ALERT
        try:
            _, datum = decode_single_object(envelope.payload)
        except VerifyError as exc:
            return DeliveryPlan(writes=[], undeliverable=f"{exc.reason}: {exc.detail}")
        release = Release.of_alert(
            datum["agency"], datum["tlp"], datum["tlp_recipients"], datum["handling_code"]
        )
    decisions = tuple(decide_all(kind, release, taskforce))
    forwarded = [(n, v) for n, v in headers if n in FORWARDED_HEADERS]
    writes = [
        InboxWrite(
            recipient=d.recipient,
            topic=taskforce.topics.inbox(d.recipient),
            key=key,
            value=value,
            headers=[
                *headers_for_recipient(
                    forwarded,
                    cleared=d.personal_data,
                    key_ids=key_ids.get(d.recipient, ()),
                ),
                (HEADER_DELIVERY_ID, delivery_id(d.recipient, envelope.header.message_id).encode()),
            ],
            produced_at=envelope.header.produced_at,
            personal_data=d.personal_data,
        )
        for d in decisions
        if d.allowed
    ]
    return DeliveryPlan(writes=writes, kind=kind, decisions=decisions)

"""Which delivered alerts a key revocation recalls, and the notices that say so (pure).

An alert the hub accepted before it saw a revocation may have been signed with the
compromised key after ``compromised_at``: it verified then, it would not now. Every
copy of it that delivery wrote is *recalled*: the recipient gets a hub-signed recall
notice in its inbox naming the recalled delivery id (docs/wire-format.md 12.5).

Recipients and delivery ids are recomputed from the alerts-topic record with
:func:`consumers.delivery.plan.plan_delivery`, the decision delivery itself makes. All ids
are derived, never drawn: issuing the notices again (after a restart, or when a later
registry moves ``compromised_at`` earlier) gives every notice the same message id and
delivery id, so a recipient stores each one once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.delivery.plan import plan_delivery
from consumers.delivery.policy import ALERT
from consumers.delivery.routing import HEADER_DELIVERY_ID, delivery_id
from schemas.codec import decode_single_object
from schemas.envelope import RecordHeaders, open_envelope
from schemas.signing import SignedRecord, sign_recall
from schemas.taskforce import TaskForce
from schemas.truststore import TrustStore

KEY_COMPROMISED = "key_compromised"
"""Reason of a recall: the signing key was compromised when the alert was produced."""

_RECALL_NAMESPACE = uuid.UUID("9e3f4c2a-7d1b-5a6e-8c40-2b9d7f1e6a53")
#: ``compromised_at`` of a key revoked without an instant: everything it signed.
EVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: A revoked signing key, by (agency, key id): from when it is compromised.
Revocations = Mapping[tuple[str, str], dt.datetime]


def revocations(trust_store: TrustStore) -> dict[tuple[str, str], dt.datetime]:
    """Every revoked signing key of ``trust_store`` with its ``compromised_at``."""
    found: dict[tuple[str, str], dt.datetime] = {}
    for agency in trust_store.agencies.values():
        for key in agency.keys.values():
            if key.status == "revoked":
                found[(agency.agency_id, key.key_id)] = key.compromised_at or EVER
    return found


def recall_message_id(recalled_delivery_id: str) -> str:
    """The message id of the notice recalling one delivery (UUIDv5, stable)."""
    return str(uuid.uuid5(_RECALL_NAMESPACE, recalled_delivery_id))


@dataclass(frozen=True)
class Delivered:
    """One recipient's copy of an alert, as delivery wrote it."""

    recipient: str
    """The recipient agency."""
    delivery_id: str
    """Its ``corridor-delivery-id``."""


@dataclass(frozen=True)
class DeliveredAlert:
    """What recalling needs to know about one record of the alerts topic."""

    origin: str
    """The signing agency."""
    key_id: str
    """The signing key."""
    message_id: str
    """The envelope's message id."""
    produced_at: dt.datetime
    """The signed produce time."""
    alert_id: str
    """The alert's id."""
    revision: int
    """The alert's revision."""
    copies: tuple[Delivered, ...]
    """Every inbox copy delivery writes of it (the sharing policy's decision)."""


def delivered_alert(
    key: bytes | None, value: bytes | None, headers: RecordHeaders, taskforce: TaskForce
) -> DeliveredAlert | None:
    """The alert of one alerts-topic record and its inbox copies; None if not a deliverable alert.

    The hub verified the record before it reached the alerts topic; a record delivery
    would quarantine (or an incident) is not an alert delivered to anyone.
    """
    plan = plan_delivery(key, value, headers, taskforce)
    if plan.undeliverable is not None or plan.kind != ALERT or value is None:
        return None
    envelope = open_envelope(value)  # plan_delivery opened it already
    header = envelope.header
    _, datum = decode_single_object(envelope.payload)
    copies = tuple(
        Delivered(w.recipient, dict(w.headers)[HEADER_DELIVERY_ID].decode()) for w in plan.writes
    )
    return DeliveredAlert(
        origin=header.agency,
        key_id=header.key_id,
        message_id=header.message_id,
        produced_at=header.produced_at,
        alert_id=datum["alert_id"],
        revision=datum["revision"],
        copies=copies,
    )


def compromised_since(alert: DeliveredAlert, revoked: Revocations) -> dt.datetime | None:
    """``compromised_at`` of the alert's key if the alert was produced at or after it."""
    since = revoked.get((alert.origin, alert.key_id))
    if since is None or alert.produced_at < since:
        return None
    return since


@dataclass(frozen=True)
class RecallNotice:
    """One notice to write: a recipient's copy of an alert is recalled."""

    recipient: str
    """Whose inbox it goes to."""
    recalled_delivery_id: str
    """The recalled copy's delivery id."""
    message_id: str
    """The notice's own (stable) message id."""
    delivery_id: str
    """The notice's own (stable) ``corridor-delivery-id``."""
    origin: str
    """Signer of the recalled alert (the metrics' originating agency)."""
    datum: dict[str, Any]
    """The Recall datum (issued now)."""


def notices_for(
    alert: DeliveredAlert,
    compromised_at: dt.datetime,
    *,
    issued_at: dt.datetime,
    registry_version: int,
    reason: str = KEY_COMPROMISED,
) -> list[RecallNotice]:
    """One notice per inbox copy of ``alert``."""
    notices = []
    for copy in alert.copies:
        message_id = recall_message_id(copy.delivery_id)
        datum = {
            "recalled_delivery_id": copy.delivery_id,
            "recipient": copy.recipient,
            "message_id": alert.message_id,
            "origin": alert.origin,
            "key_id": alert.key_id,
            "alert_id": alert.alert_id,
            "revision": alert.revision,
            "produced_at": alert.produced_at,
            "compromised_at": compromised_at,
            "registry_version": registry_version,
            "reason": reason,
            "issued_at": issued_at,
        }
        notices.append(
            RecallNotice(
                recipient=copy.recipient,
                recalled_delivery_id=copy.delivery_id,
                message_id=message_id,
                delivery_id=delivery_id(copy.recipient, message_id),
                origin=alert.origin,
                datum=datum,
            )
        )
    return notices


def sign_notice(
    notice: RecallNotice,
    hub_key: Ed25519PrivateKey,
    taskforce: TaskForce,
    *,
    produced_at: dt.datetime,
) -> SignedRecord:
    """The hub-signed record of ``notice``, with its delivery id header appended."""
    record = sign_recall(
        notice.datum,
        hub_key,
        taskforce.topics,
        taskforce.hub_id,
        produced_at=produced_at,
        message_id=notice.message_id,
    )
    headers = [*record.headers, (HEADER_DELIVERY_ID, notice.delivery_id.encode())]
    return SignedRecord(
        topic=record.topic,
        key=record.key,
        value=record.value,
        headers=headers,
        header=record.header,
        alert_id=record.alert_id,
        revision=record.revision,
    )


class RecallLedger:
    """The alerts seen so far, by signing key, and which of their copies were recalled.

    :meth:`add` every record of the alerts topic as it is read; :meth:`due` gives the
    notices a set of revocations calls for that were not yet written (by this
    process); :meth:`written` records them once Kafka acknowledged them.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], list[DeliveredAlert]] = {}
        self._recalled: set[str] = set()
        self.alerts_seen = 0

    def add(self, alert: DeliveredAlert) -> None:
        """Remember one alert of the alerts topic."""
        self._by_key.setdefault((alert.origin, alert.key_id), []).append(alert)
        self.alerts_seen += 1

    def due(
        self,
        revoked: Revocations,
        *,
        issued_at: dt.datetime,
        registry_version: int,
    ) -> list[tuple[DeliveredAlert, list[RecallNotice]]]:
        """Per alert newly recalled by ``revoked``, the notices for its copies not yet written."""
        due = []
        for signing_key in sorted(revoked):
            since = revoked[signing_key]
            for alert in self._by_key.get(signing_key, ()):
                if compromised_since(alert, revoked) is None:
                    continue
                notices = [
                    n
                    for n in notices_for(
                        alert, since, issued_at=issued_at, registry_version=registry_version
                    )
                    if n.recalled_delivery_id not in self._recalled
                ]
                if notices:
                    due.append((alert, notices))
        return due

    def written(self, notices: Iterable[RecallNotice]) -> None:
        """Mark these notices as acknowledged by Kafka."""
        self._recalled.update(n.recalled_delivery_id for n in notices)

    def recalled(self, recalled_delivery_id: str) -> bool:
        """Whether a notice for this delivery was written."""
        return recalled_delivery_id in self._recalled

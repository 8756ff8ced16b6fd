"""The independent checker: what should have arrived, against what the recipients stored.

It trusts no counter of the pipeline. What should arrive follows from the alerts the
publisher reported acknowledged and the sharing policy; what arrived is read from
each recipient's own store; quarantined records from the quarantine topic; incident
versions from the incidents topic and the stores; the incidents they should converge
to from a fault-free run of the same alerts through the correlator's code
(``faults/reference.py``). Pure: the readers in ``faults/evidence.py`` do the I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from consumers.delivery.policy import ALERT, INCIDENT, decide
from consumers.delivery.routing import delivery_id
from schemas.marking import Release
from schemas.taskforce import TaskForce


@dataclass(frozen=True)
class Acknowledged:
    """One alert revision the publisher reported acknowledged by the broker."""

    agency: str
    """Its publisher."""
    alert: dict[str, Any]
    """The alert datum as signed."""
    message_id: str
    """The envelope's message id (the delivery id derives from it)."""
    acked_at: float
    """``time.monotonic()`` when the acknowledgement was reported."""


@dataclass(frozen=True)
class StoredDelivery:
    """One row of a recipient's store, as the checker reads it."""

    delivery_id: str
    """The row's primary key."""
    verified: bool
    """Whether the recipient's own verification passed."""
    document: dict[str, Any]
    """The stored JSON document."""


@dataclass(frozen=True)
class FinalIncident:
    """An incident as it finally stands (content without its version number)."""

    incident_id: str
    """Its id."""
    digest: str
    """``streams.incidents.content_digest`` of its last version."""
    release: Release | None = None
    """Who may receive it (known for the reference run, not read from the topic)."""


@dataclass(frozen=True)
class Verdict:
    """The checker's figures for one case."""

    acknowledged: int
    """Alert revisions the publisher reported acknowledged."""
    expected: int
    """Deliveries those call for (one per entitled recipient)."""
    stored: int
    """Of those, how many the recipients stored."""
    lost: list[str]
    """Expected deliveries (``RECIPIENT AGENCY:id rN``) not stored."""
    doubled: list[str]
    """The same alert revision or incident version stored twice by one recipient."""
    spurious: list[str]
    """Genuine records quarantined by the hub or rejected by a recipient."""
    unentitled: list[str]
    """Alert revisions stored by a recipient the policy does not entitle."""
    incidents_expected: int
    """Incidents of the fault-free reference run."""
    incident_mismatches: list[str]
    """Where the incidents topic's final versions differ from the reference."""
    incidents_lost: list[str]
    """A reference incident's final version missing from an entitled recipient's store."""

    @property
    def clean(self) -> bool:
        """True when nothing was lost, doubled, quarantined, leaked or diverged."""
        return not (
            self.lost
            or self.doubled
            or self.spurious
            or self.unentitled
            or self.incident_mismatches
            or self.incidents_lost
        )


def entitled_recipients(
    agency: str, alert: Mapping[str, Any], taskforce: TaskForce, recipients: Iterable[str]
) -> list[str]:
    """Which of ``recipients`` the sharing policy lets receive this alert."""
    release = Release.of_alert(
        agency, alert["tlp"], alert["tlp_recipients"], alert["handling_code"]
    )
    allowed = []
    for recipient in recipients:
        member = taskforce.member(recipient)
        if member is not None and decide(ALERT, release, member, taskforce).allowed:
            allowed.append(recipient)
    return allowed


def expected_deliveries(
    acknowledged: Iterable[Acknowledged], taskforce: TaskForce, recipients: Iterable[str]
) -> dict[tuple[str, str], str]:
    """``(recipient, delivery id) -> "AGENCY:id rN"`` of every delivery that must be stored."""
    wanted = list(recipients)
    expected = {}
    for ack in acknowledged:
        label = f"{ack.agency}:{ack.alert['alert_id']} r{ack.alert['revision']}"
        for recipient in entitled_recipients(ack.agency, ack.alert, taskforce, wanted):
            expected[(recipient, delivery_id(recipient, ack.message_id))] = label
    return expected


def check(
    acknowledged: list[Acknowledged],
    taskforce: TaskForce,
    stores: Mapping[str, list[StoredDelivery]],
    quarantined: list[str],
    topic_incidents: Mapping[str, FinalIncident],
    reference: Mapping[str, FinalIncident],
    incident_digest: Any,
    unknown: Iterable[Acknowledged] = (),
) -> Verdict:
    """Compare the stores, the quarantine and the incidents with what should be.

    ``quarantined`` describes each record on the quarantine topic (every record the
    workload publishes is genuine, so each is spurious). ``incident_digest`` maps a
    stored incident document to its content digest. ``topic_incidents`` are the
    active incidents as the incidents topic's last versions leave them. ``unknown`` are
    the sends whose outcome the client reported unknown: not expected (the client did not
    say they were written), but genuine where stored by an entitled recipient.
    """
    expected = expected_deliveries(acknowledged, taskforce, stores)
    allowed = {**expected_deliveries(unknown, taskforce, stores), **expected}
    stored_ids = {(r, row.delivery_id) for r, rows in stores.items() for row in rows}
    lost = sorted(
        f"{r} {label}" for (r, did), label in expected.items() if (r, did) not in stored_ids
    )
    spurious = [f"quarantine: {q}" for q in quarantined]
    doubled: list[str] = []
    unentitled: list[str] = []
    incidents_lost: list[str] = []
    for recipient, rows in sorted(stores.items()):
        spurious += [
            f"{recipient} rejected {row.delivery_id}: {row.document.get('reason')}"
            for row in rows
            if not row.verified
        ]
        alerts = Counter(
            _alert_label(row.document) for row in rows if row.document.get("kind") == "alert"
        )
        doubled += [f"{recipient} {label} x{n}" for label, n in sorted(alerts.items()) if n > 1]
        versions = Counter(
            _version_label(row.document) for row in rows if row.document.get("kind") == "incident"
        )
        doubled += [f"{recipient} {label} x{n}" for label, n in sorted(versions.items()) if n > 1]
        mine = {did for r, did in allowed if r == recipient}
        unentitled += [
            f"{recipient} {_alert_label(row.document)}"
            for row in rows
            if row.document.get("kind") == "alert" and row.delivery_id not in mine
        ]
        held = _incident_digests(rows, incident_digest)
        member = taskforce.member(recipient)
        for incident in reference.values():
            if member is None or incident.release is None:
                continue
            if not decide(INCIDENT, incident.release, member, taskforce).allowed:
                continue
            if incident.digest not in held.get(incident.incident_id, set()):
                incidents_lost.append(f"{recipient} {incident.incident_id}")
    return Verdict(
        acknowledged=len(acknowledged),
        expected=len(expected),
        stored=len(expected) - len(lost),
        lost=lost,
        doubled=doubled,
        spurious=spurious,
        unentitled=unentitled,
        incidents_expected=len(reference),
        incident_mismatches=incident_mismatches(topic_incidents, reference),
        incidents_lost=incidents_lost,
    )


def incident_mismatches(
    actual: Mapping[str, FinalIncident], reference: Mapping[str, FinalIncident]
) -> list[str]:
    """Active incidents missing, extra or different in ``actual`` compared with ``reference``."""
    problems = [f"missing {i}" for i in sorted(set(reference) - set(actual))]
    problems += [f"extra {i}" for i in sorted(set(actual) - set(reference))]
    problems += [
        f"different {i}"
        for i in sorted(set(actual) & set(reference))
        if actual[i].digest != reference[i].digest
    ]
    return problems


def last_versions(incidents: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per incident id, its highest version among ``incidents`` (datums)."""
    last: dict[str, dict[str, Any]] = {}
    for incident in incidents:
        current = last.get(incident["incident_id"])
        if current is None or incident["version"] > current["version"]:
            last[incident["incident_id"]] = incident
    return last


def _alert_label(document: Mapping[str, Any]) -> str:
    alert = document["alert"]
    return f"{alert['agency']}:{alert['alert_id']} r{alert['revision']}"


def _version_label(document: Mapping[str, Any]) -> str:
    incident = document["incident"]
    return f"incident {incident['incident_id']} v{incident['version']}"


def _incident_digests(rows: Iterable[StoredDelivery], digest: Any) -> dict[str, set[str]]:
    held: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.verified and row.document.get("kind") == "incident":
            held[row.document["incident"]["incident_id"]].add(digest(row.document["incident"]))
    return held

"""The topics the auditor reads, the :class:`Role` of each, and the :class:`Event` type (pure).

What each topic means (see :func:`source_roles` and :mod:`consumers.audit.events`)::

    inbound.<A>   received          verified      verified
    quarantine    quarantined       alerts        passed_dedupe
    incidents     correlated        inbox.<A>     delivered / recalled
    receipts.<A>  receipted         deadletter    dead_lettered / replayed
    keys          key_registry_changed            audit-events   what a process reports
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import audit
from schemas.taskforce import TaskForce
from schemas.topics import TopicNames

INBOUND = "inbound"
VERIFIED = "verified"
ALERTS = "alerts"
INCIDENTS = "incidents"
QUARANTINE = "quarantine"
INBOX = "inbox"
RECEIPTS = "receipts"
DEAD_LETTERS = "deadletter"
KEYS = "keys"
AUDIT_EVENTS = "audit-events"


@dataclass(frozen=True)
class Role:
    """What one source topic is."""

    name: str
    """inbound, verified, alerts, incidents, quarantine, inbox, receipts, deadletter, keys,
    audit-events."""
    agency: str | None = None
    """The agency of a per-agency topic (inbound, inbox, receipts)."""
    topics: TopicNames = field(default_factory=TopicNames)
    """The deployment's topic names (a receipt is bound to its receipts topic)."""


@dataclass(frozen=True)
class Event:
    """A life event derived from one source record (not yet chained)."""

    kind: str
    """One of :data:`schemas.audit.EVENT_KINDS`."""
    at: int
    """Event time, UTC milliseconds."""
    subject: dict[str, audit.SubjectValue]
    """Ids, agencies, reasons, digests."""


def source_roles(taskforce: TaskForce) -> dict[str, Role]:
    """Every topic the auditor reads, by name."""
    topics = taskforce.topics

    def role(name: str, agency: str | None = None) -> Role:
        return Role(name, agency, topics)

    roles = {topics.inbound(m.agency_id): role(INBOUND, m.agency_id) for m in taskforce.publishers}
    for member in taskforce.recipients:
        roles[topics.inbox(member.agency_id)] = role(INBOX, member.agency_id)
        roles[topics.receipts(member.agency_id)] = role(RECEIPTS, member.agency_id)
    roles[topics.verified] = role(VERIFIED)
    roles[topics.alerts] = role(ALERTS)
    roles[topics.incidents] = role(INCIDENTS)
    roles[topics.quarantine] = role(QUARANTINE)
    roles[topics.dead_letters] = role(DEAD_LETTERS)
    roles[topics.keys] = role(KEYS)
    roles[topics.audit_events] = role(AUDIT_EVENTS)
    return roles

"""The sharing policy: may this member receive this item, and with which fields? (pure)

One function decides for one recipient, so every decision can be counted and tested
on its own. The rules, in the order they are checked (the first that fails is the
reason):

1. the member receives deliveries at all;
2. an alert never goes back to its originator (an incident does: it is theirs too);
3. TLP:RED and H3 parts go only to the agencies the originator named;
4. otherwise the member must be cleared for the item's TLP (``tlp_clearance``), except
   for its own parts of an incident;
5. H2 parts ("no onward dissemination without the originator's consent") go only to
   members on the originator's standing consent list (``h2_share_with``).

An allowed alert carries personal data only to members cleared for it
(``personal_data = true``); everyone else gets it redacted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from schemas.marking import Release, tlp_rank
from schemas.taskforce import Member

ALLOWED = "allowed"
NOT_A_RECIPIENT = "not_a_recipient"
ORIGINATOR = "originator"
TLP_RED_NOT_NAMED = "tlp_red_not_named"
H3_NOT_NAMED = "h3_not_named"
TLP_NOT_CLEARED = "tlp_not_cleared"
H2_NO_CONSENT = "h2_no_consent"
UNKNOWN_ORIGINATOR = "unknown_originator"
#: Every reason a decision can give (the metric's label values).
REASONS = (
    ALLOWED,
    NOT_A_RECIPIENT,
    ORIGINATOR,
    TLP_RED_NOT_NAMED,
    H3_NOT_NAMED,
    TLP_NOT_CLEARED,
    H2_NO_CONSENT,
    UNKNOWN_ORIGINATOR,
)

ALERT = "alert"
INCIDENT = "incident"


class Directory(Protocol):
    """Where the policy looks members up: the task-force file (the hub) or the members a
    verified key registry lists (a producer, ``schemas.clearances.SignedDirectory``)."""

    @property
    def members(self) -> tuple[Member, ...]:
        """Every member, in a fixed order."""
        ...

    def member(self, agency_id: str) -> Member | None:
        """The member with this id, if any."""
        ...


@dataclass(frozen=True)
class Decision:
    """The policy's answer for one recipient."""

    recipient: str
    """The member's agency id."""
    allowed: bool
    """Whether it receives the item."""
    reason: str
    """One of :data:`REASONS`; :data:`ALLOWED` when allowed."""
    personal_data: bool = False
    """Whether it receives the personal-data fields (encrypted to its key)."""


def decide(kind: str, release: Release, recipient: Member, taskforce: Directory) -> Decision:
    """Whether ``recipient`` may receive an item of ``kind`` with ``release``."""

    def deny(reason: str) -> Decision:
        return Decision(recipient.agency_id, allowed=False, reason=reason)

    if not recipient.receives:
        return deny(NOT_A_RECIPIENT)
    if kind == ALERT and recipient.agency_id in release.originators:
        return deny(ORIGINATOR)
    if release.named is not None and recipient.agency_id not in release.named:
        return deny(TLP_RED_NOT_NAMED if release.tlp == "RED" else H3_NOT_NAMED)
    cleared = tlp_rank(recipient.tlp_clearance)
    if any(
        tlp_rank(tlp) > cleared and originator != recipient.agency_id
        for originator, tlp in release.clearances
    ):
        return deny(TLP_NOT_CLEARED)
    for agency in sorted(release.h2_originators - {recipient.agency_id}):
        originator = taskforce.member(agency)
        if originator is None:
            return deny(UNKNOWN_ORIGINATOR)
        if not originator.consents_h2_to(recipient):
            return deny(H2_NO_CONSENT)
    return Decision(
        recipient.agency_id,
        allowed=True,
        reason=ALLOWED,
        personal_data=kind == ALERT and recipient.personal_data,
    )


def decide_all(
    kind: str, release: Release, taskforce: Directory, members: Iterable[Member] | None = None
) -> list[Decision]:
    """One decision per member (all members by default), in member order."""
    chosen = taskforce.members if members is None else members
    return [decide(kind, release, member, taskforce) for member in chosen]

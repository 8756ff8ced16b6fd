"""Members' clearances as the signed key registry carries them: who may receive what.

The hub's sharing policy decides from the task-force file; a producer must seal
personal data to exactly the members that policy will give it to, so it needs the
same facts from a source it can verify. Each agency entry of a trust store may carry
a ``member`` object (role, receives, TLP clearance, personal-data clearance, H2
consent list); inside a registry version those are signed by the task force's roots
and follow its rollback and threshold rules (docs/wire-format.md sections 9.2, 9.4
and 6.8). The hub has no such entry: it is not a member and never a recipient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.errors import TrustStoreError
from schemas.taskforce import CLEARABLE_TLP, ROLES, Member, TaskForce
from schemas.validation import is_agency_id

#: The members of an agency entry's ``member`` object, all required.
CLEARANCE_KEYS = ("role", "receives", "tlp_clearance", "personal_data", "h2_share_with")


@dataclass(frozen=True)
class Clearance:
    """What the sharing policy needs to know about one member agency."""

    role: str
    """One of :data:`schemas.taskforce.ROLES`."""
    receives: bool
    """Receives deliveries at all."""
    tlp_clearance: str
    """Highest TLP it receives without being named (CLEAR, GREEN, AMBER, AMBER_STRICT)."""
    personal_data: bool
    """Cleared for victims' and witnesses' personal data."""
    h2_share_with: frozenset[str]
    """Standing consent for its own H2 material: agency ids and role names."""

    @classmethod
    def of_member(cls, member: Member) -> Clearance:
        """The clearance a task-force file gives ``member``."""
        return cls(
            role=member.role,
            receives=member.receives,
            tlp_clearance=member.tlp_clearance,
            personal_data=member.personal_data,
            h2_share_with=member.h2_share_with,
        )

    def as_member(self, agency_id: str, name: str) -> Member:
        """A :class:`Member` the sharing policy can decide for (no delivery settings)."""
        return Member(
            agency_id=agency_id,
            name=name,
            role=self.role,
            publishes=True,
            receives=self.receives,
            tlp_clearance=self.tlp_clearance,
            personal_data=self.personal_data,
            h2_share_with=self.h2_share_with,
        )


@dataclass(frozen=True)
class SignedDirectory:
    """The members a verified registry (or trust store) lists, for the sharing policy."""

    members: tuple[Member, ...]
    """Agencies with a ``member`` entry, by agency id."""

    def member(self, agency_id: str) -> Member | None:
        """The member with this id, if any."""
        return next((m for m in self.members if m.agency_id == agency_id), None)


def parse_clearance(raw: Any, where: str) -> Clearance:
    """Read an agency entry's ``member`` object; every key is required."""
    if not isinstance(raw, dict):
        raise TrustStoreError(f"{where}: expected an object")
    missing = [k for k in CLEARANCE_KEYS if k not in raw]
    if missing:
        raise TrustStoreError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(raw) - set(CLEARANCE_KEYS))
    if unknown:
        raise TrustStoreError(f"{where}: unknown keys {', '.join(unknown)}")
    if raw["role"] not in ROLES:
        raise TrustStoreError(f"{where}.role: {raw['role']!r} is not one of {', '.join(ROLES)}")
    for flag in ("receives", "personal_data"):
        if not isinstance(raw[flag], bool):
            raise TrustStoreError(f"{where}.{flag}: expected true or false")
    if raw["tlp_clearance"] not in CLEARABLE_TLP:
        raise TrustStoreError(
            f"{where}.tlp_clearance: {raw['tlp_clearance']!r} is not one of "
            f"{', '.join(CLEARABLE_TLP)}"
        )
    share = raw["h2_share_with"]
    if not isinstance(share, list) or not all(
        isinstance(x, str) and (x in ROLES or is_agency_id(x)) for x in share
    ):
        raise TrustStoreError(f"{where}.h2_share_with: expected a list of agency ids and roles")
    return Clearance(
        role=raw["role"],
        receives=raw["receives"],
        tlp_clearance=raw["tlp_clearance"],
        personal_data=raw["personal_data"],
        h2_share_with=frozenset(share),
    )


def dump_clearance(clearance: Clearance) -> dict[str, Any]:
    """The ``member`` object (``h2_share_with`` sorted, so a document is reproducible)."""
    return {
        "role": clearance.role,
        "receives": clearance.receives,
        "tlp_clearance": clearance.tlp_clearance,
        "personal_data": clearance.personal_data,
        "h2_share_with": sorted(clearance.h2_share_with),
    }


def clearances_of(taskforce: TaskForce) -> Mapping[str, Clearance]:
    """Every member's clearance from the task-force file, by agency id."""
    return {m.agency_id: Clearance.of_member(m) for m in taskforce.members}

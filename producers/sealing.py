"""Who an originator seals personal data to: cleared task-force members with an encryption key.

The rule is the hub's sharing policy (``consumers.delivery.policy``) applied to the members'
clearances, then every active encryption key of each member it clears for personal
data (docs/wire-format.md section 6.8). A producer takes both from the signed key
registry it verified (:meth:`Sealing.from_registry`); the task-force file plus a
trust-store file (:meth:`Sealing.from_taskforce`) is the hub-side and legacy path.
The hub only ever sees ciphertext and never has an encryption key. The originator
never seals to itself: the plaintext came from its own system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consumers.delivery.policy import ALERT, Directory, decide_all
from schemas.errors import SealError
from schemas.marking import Release
from schemas.personal_data import RecipientKey
from schemas.registry import Registry
from schemas.taskforce import TaskForce
from schemas.truststore import TrustStore


@dataclass(frozen=True)
class SealingPlan:
    """The recipient keys one alert's personal data is sealed to."""

    recipients: tuple[RecipientKey, ...]
    """Active encryption keys of every cleared member the alert can go to."""
    cleared: tuple[str, ...]
    """Agencies cleared for the personal data of this alert."""
    without_key: tuple[str, ...]
    """Cleared agencies with no active encryption key: they will see it redacted."""


@dataclass(frozen=True)
class Sealing:
    """What an originator needs to seal personal data: the members and their keys."""

    directory: Directory
    """Members and their clearances (the task-force file, or a verified registry's)."""
    trust_store: TrustStore
    """Members' X25519 encryption keys."""

    @classmethod
    def from_registry(cls, registry: Registry) -> Sealing:
        """Clearances and keys from one verified registry version (what a producer uses)."""
        store = registry.trust_store
        return cls(directory=store.directory(), trust_store=store)

    @classmethod
    def from_taskforce(cls, taskforce: TaskForce, trust_store: TrustStore) -> Sealing:
        """Clearances from the task-force file, keys from a trust store (hub side, legacy)."""
        return cls(directory=taskforce, trust_store=trust_store)

    def plan(self, alert: dict[str, Any]) -> SealingPlan:
        """The recipients of ``alert``'s personal data (pure).

        Exactly the members the hub's sharing policy will deliver the alert to with its
        personal data (``consumers.delivery.policy``), so no wrap is made for anyone else.
        """
        release = Release.of_alert(
            alert["agency"], alert["tlp"], alert["tlp_recipients"], alert["handling_code"]
        )
        # Agency-id order (not the task-force file's), so every producer makes the same
        # wraps in the same order from the same signed data.
        cleared = sorted(
            d.recipient for d in decide_all(ALERT, release, self.directory) if d.personal_data
        )
        recipients: list[RecipientKey] = []
        without_key: list[str] = []
        for agency in cleared:
            keys = self.trust_store.sealing_keys(agency)
            if not keys:
                without_key.append(agency)
            recipients.extend(RecipientKey(key_id=k.key_id, public_key=k.public_key) for k in keys)
        return SealingPlan(tuple(recipients), tuple(cleared), tuple(without_key))

    def recipients_for(self, alert: dict[str, Any]) -> tuple[RecipientKey, ...]:
        """The recipient keys, or :class:`SealError` when nobody can receive the data."""
        plan = self.plan(alert)
        if not plan.recipients:
            who = (
                f"cleared agencies {', '.join(plan.without_key)} have no encryption key"
                if plan.without_key
                else "no agency it goes to is cleared for personal data"
            )
            raise SealError(
                f"alert {alert['alert_id']} names persons, but {who} in the trust store; "
                "refusing to publish it (remove personal_data, or register a cleared "
                "recipient's key with `corridor keys generate`)"
            )
        return plan.recipients

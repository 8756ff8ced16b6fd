"""Who an originator seals personal data to: cleared task-force members with an encryption key.

The originator's SDK decides this from the task-force file and the trust store it
already holds; the hub only ever sees ciphertext. The originator never seals to
itself: the plaintext came from its own system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from consumers.policy import ALERT, decide_all
from schemas.errors import SealError
from schemas.marking import Release
from schemas.personal_data import RecipientKey
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

    taskforce: TaskForce
    """Members, their clearances and the TLP routing."""
    trust_store: TrustStore
    """Members' X25519 encryption keys."""

    def plan(self, alert: dict[str, Any]) -> SealingPlan:
        """The recipients of ``alert``'s personal data (pure).

        Exactly the members the hub's sharing policy will deliver the alert to with its
        personal data (``consumers.policy``), so no wrap is made for anyone else.
        """
        release = Release.of_alert(
            alert["agency"], alert["tlp"], alert["tlp_recipients"], alert["handling_code"]
        )
        cleared = [
            d.recipient for d in decide_all(ALERT, release, self.taskforce) if d.personal_data
        ]
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

"""Who receives a verified alert: the pure decision behind delivery.

The full need-to-know policy (roles, clearances, handling codes) extends this;
the walking skeleton already honours TLP:RED's named recipients and never echoes
an alert back to its originator.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from schemas.taskforce import Member

_DELIVERY_NAMESPACE = uuid.UUID("6c0c3e1e-3f2b-5b7e-9d0a-8f4f6f1c2a11")


def recipients_for(alert: dict[str, Any], members: Iterable[Member]) -> list[str]:
    """Agency ids that receive ``alert``, in member order."""
    chosen = [m.agency_id for m in members if m.receives and m.agency_id != alert["agency"]]
    if alert["tlp"] == "RED":
        named = set(alert["tlp_recipients"])
        chosen = [agency for agency in chosen if agency in named]
    return chosen


def incident_recipients(incident: dict[str, Any], members: Iterable[Member]) -> list[str]:
    """Agency ids that receive an incident: those entitled to every member alert.

    The hub computed the most restrictive rule of the members into the incident
    (``releasable_to`` when a member is TLP:RED); agencies whose own alerts are
    members receive it too, as they are entitled to their own alerts.
    """
    allowed = incident["releasable_to"]
    return [
        m.agency_id for m in members if m.receives and (allowed is None or m.agency_id in allowed)
    ]


def delivery_id(recipient: str, message_id: str) -> str:
    """Stable id of one delivery: the same message to the same agency, the same id.

    A redelivery after a crash therefore carries the id of the first attempt, so a
    recipient's system of record can store it exactly once.
    """
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"{recipient}/{message_id}"))

"""Inbox records as the delivery service writes them, for the webhook unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.delivery.plan import plan_delivery
from consumers.webhooks.body import InboxRecord
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames


def taskforce(topics: TopicNames) -> TaskForce:
    members = tuple(
        Member(a, a, "coast_guard", publishes=True, receives=True)
        for a in ("PK-FIA", "TR-SG", "GR-HCG")
    )
    return TaskForce("t", topics, Path("trust.json"), members)


def inbox_record(
    alert: dict[str, Any],
    key: Ed25519PrivateKey,
    topics: TopicNames,
    recipient: str = "GR-HCG",
    offset: int = 0,
) -> InboxRecord:
    """The copy of ``alert`` the delivery service writes to ``recipient``'s inbox."""
    signed = sign_alert(alert, key, topics)
    plan = plan_delivery(signed.key, signed.value, signed.headers, taskforce(topics))
    write = next(w for w in plan.writes if w.recipient == recipient)
    return InboxRecord(
        topic=write.topic,
        partition=1,
        offset=offset,
        key=write.key,
        value=write.value,
        headers=write.headers,
    )

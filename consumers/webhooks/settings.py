"""How the webhook dispatcher runs, and which members it serves."""

from __future__ import annotations

from dataclasses import dataclass

from consumers.stall_watch import DEFAULT_STALL_S
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.group_membership import DYNAMIC, GroupMembership
from schemas.taskforce import Member, TaskForce


@dataclass(frozen=True)
class WebhookSettings:
    """How the webhook dispatcher runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Members, their webhooks, the retry policy and topic names."""
    group_id: str = "corridor-webhooks"
    """Prefix of the consumer groups; agency ``A`` is consumed by group ``<group_id>.A``."""
    poll_timeout_ms: int = 200
    """How long one poll waits for records."""
    max_batch: int = 10
    """Records per poll (each may take its whole retry budget)."""
    commit_every: int = 1
    """Deliveries done between offset commits (also committed when the inbox is idle)."""
    produce_timeout_s: float = 30.0
    """How long a dead-letter write may take to be acknowledged."""
    membership: GroupMembership = DYNAMIC
    """Session timeout (a dispatcher that died loses its partitions after it) and static
    identity (suffixed with each agency's group) in the consumer groups."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the dispatcher authenticates (the hub's identity on a secured cluster)."""
    lag_interval_s: float = 5.0
    """How often each agency's consumer lag is measured."""
    stall_after_s: float = DEFAULT_STALL_S
    """A consumer that polls nothing this long while its group has records waiting and
    its commits stand still is recreated (:mod:`consumers.stall_watch`); 0 switches this
    watch off, and the one for empty polls that keep the thread busy with it."""


def webhook_members(taskforce: TaskForce) -> list[Member]:
    """Members that receive deliveries by webhook."""
    return [m for m in taskforce.members if m.receives and m.webhook is not None]

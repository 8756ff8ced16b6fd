"""Who may do what on the cluster: the Kafka ACLs the task-force configuration implies.

Pure logic (no client): :func:`plan_acls` turns a :class:`TaskForce` into ALLOW bindings for
Kafka's own authorizer, which runs with ``allow.everyone.if.no.acl.found=false``, so anything
not granted here is refused.

Principals: an agency authenticates as ``User:<agency id>`` (its SCRAM user name, or the
common name of its client certificate, which the broker maps to the bare CN), the hub's services
as ``User:<hub id>``. An admin principal is a broker super user and needs no ACL.

Per agency A (least privilege)::

    <prefix>.inbound.A    WRITE, DESCRIBE          (publishes; idempotent producers need no
                                                    cluster ACL since Kafka 3.0, KIP-679)
    <prefix>.inbox.A      READ, DESCRIBE           (reads its deliveries)
    group corridor-inbox-A (literal) and corridor-inbox-A. (prefixed)   READ
    <prefix>.receipts.A   WRITE, READ, DESCRIBE    (signs receipts, may read them back)
    <prefix>.keys         READ, DESCRIBE           (if it receives: follows the key registry)

The prefixed group is ``corridor-inbox-A.`` with the dot: agency ids are upper-case words
joined by dashes, so a plain prefix ``corridor-inbox-PK`` would also match PK-FIA's groups.

Everything else belongs to the hub: it reads every inbound and receipts topic, writes every
inbox, owns the pipeline's own topics and the Faust app's internal topics, and reads with its
consumer groups. Nobody but the admin principal writes ``<prefix>.keys``: a registry is
published by the task force's operators (``corridor registry publish``), and only counts if
enough root keys signed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.taskforce import TaskForce

TOPIC = "TOPIC"
GROUP = "GROUP"
LITERAL = "LITERAL"
PREFIXED = "PREFIXED"
ALLOW = "ALLOW"
ANY_HOST = "*"

READ = "READ"
WRITE = "WRITE"
DESCRIBE = "DESCRIBE"
CREATE = "CREATE"

INBOX_GROUP_PREFIX = "corridor-inbox-"
"""Consumer groups of agencies' inbox readers start with this."""
DEFAULT_DELIVERY_GROUP = "corridor-delivery"
DEFAULT_STREAMS_APP_ID = "corridor-streams"
DEFAULT_WEBHOOK_GROUP = "corridor-webhooks"
ADMIN_USER = "admin"
"""SCRAM user name of the admin principal (a super user) of the local secured broker."""


@dataclass(frozen=True, order=True)
class AclRule:
    """One ALLOW binding: ``principal`` may do ``operation`` on a resource pattern."""

    principal: str
    """``User:<name>``."""
    resource_type: str
    """``TOPIC`` or ``GROUP``."""
    resource_name: str
    """Topic or group name, or its prefix."""
    pattern: str
    """``LITERAL`` (exactly this name) or ``PREFIXED`` (every name starting with it)."""
    operation: str
    """``READ``, ``WRITE``, ``DESCRIBE`` or ``CREATE``."""
    permission: str = ALLOW
    """Always ``ALLOW``: the authorizer denies whatever no rule allows."""
    host: str = ANY_HOST
    """Client host the rule applies to (any)."""

    def describe(self) -> str:
        """One line for humans, e.g. ``User:PK-FIA WRITE TOPIC corridor.inbound.PK-FIA``."""
        star = "*" if self.pattern == PREFIXED else ""
        return f"{self.principal} {self.operation} {self.resource_type} {self.resource_name}{star}"


@dataclass(frozen=True)
class HubAccess:
    """The hub's identity and the consumer groups and app id its services use."""

    principal: str
    """The hub services' principal, e.g. ``User:TF-HUB``."""
    delivery_group: str = DEFAULT_DELIVERY_GROUP
    """Consumer group of the delivery service."""
    streams_app_id: str = DEFAULT_STREAMS_APP_ID
    """Faust app id: its consumer group and the prefix of its internal topics."""
    extra_groups: tuple[str, ...] = (DEFAULT_WEBHOOK_GROUP,)
    """Group prefixes of the webhook dispatcher, which consumes agency A as ``<group>.A``."""


def user_principal(name: str) -> str:
    """The principal Kafka gives an authenticated user: ``User:<name>``."""
    return f"User:{name}"


def agency_principal(agency_id: str) -> str:
    """Principal of an agency: ``User:<agency id>``."""
    return user_principal(agency_id)


def inbox_group(agency_id: str) -> str:
    """Default consumer group of an agency's inbox reader."""
    return f"{INBOX_GROUP_PREFIX}{agency_id}"


def default_hub(taskforce: TaskForce) -> HubAccess:
    """The hub's access with default group names, as ``User:<hub id>``."""
    return HubAccess(principal=user_principal(taskforce.hub_id))


def _rules(
    principal: str, resource_type: str, name: str, operations: tuple[str, ...], pattern: str
) -> list[AclRule]:
    return [AclRule(principal, resource_type, name, pattern, op) for op in operations]


def agency_rules(taskforce: TaskForce, agency_id: str) -> list[AclRule]:
    """The rules of one member agency (none if it neither publishes nor receives)."""
    member = taskforce.member(agency_id)
    if member is None:
        return []
    topics = taskforce.topics
    who = agency_principal(agency_id)
    rules: list[AclRule] = []
    if member.publishes:
        rules += _rules(who, TOPIC, topics.inbound(agency_id), (WRITE, DESCRIBE), LITERAL)
    if member.receives and member.inbox:
        rules += _rules(who, TOPIC, topics.inbox(agency_id), (READ, DESCRIBE), LITERAL)
        rules += _rules(who, GROUP, inbox_group(agency_id), (READ,), LITERAL)
        rules += _rules(who, GROUP, f"{inbox_group(agency_id)}.", (READ,), PREFIXED)
    if member.receives:
        rules += _rules(who, TOPIC, topics.receipts(agency_id), (WRITE, READ, DESCRIBE), LITERAL)
        # Its verifiers (inbox client, webhook receiver) follow the signed key registry.
        rules += _rules(who, TOPIC, topics.keys, (READ, DESCRIBE), LITERAL)
    return rules


def hub_rules(taskforce: TaskForce, hub: HubAccess) -> list[AclRule]:
    """The rules of the hub's services (streams worker, delivery, webhook dispatcher)."""
    topics = taskforce.topics
    who = hub.principal
    consume = (READ, DESCRIBE)
    own = (READ, WRITE, DESCRIBE)
    rules: list[AclRule] = []
    for member in taskforce.publishers:
        rules += _rules(who, TOPIC, topics.inbound(member.agency_id), consume, LITERAL)
    for member in taskforce.recipients:
        # Delivery writes the inbox; the webhook dispatcher and receipt tracker read it back.
        rules += _rules(who, TOPIC, topics.inbox(member.agency_id), own, LITERAL)
        rules += _rules(who, TOPIC, topics.receipts(member.agency_id), (READ, DESCRIBE), LITERAL)
    # Every verifying service follows the key registry (no group); only the admin writes it.
    rules += _rules(who, TOPIC, topics.keys, consume, LITERAL)
    for name in (
        topics.verified,
        topics.alerts,
        topics.incidents,
        topics.correlation,
        topics.quarantine,
        topics.dead_letters,
        # The auditor (a hub service) reads every topic above and writes the audit chain;
        # the worker and webhook services append process-only events to audit-events.
        topics.audit,
        topics.audit_events,
    ):
        rules += _rules(who, TOPIC, name, own, LITERAL)
    # Faust creates its changelog and assignor topics, <app id>-<name>, itself at first start;
    # the operators create all the others (corridor topics create), so no CREATE on them.
    rules += _rules(who, TOPIC, f"{hub.streams_app_id}-", (*own, CREATE), PREFIXED)
    for group in (hub.streams_app_id, hub.delivery_group):
        rules += _rules(who, GROUP, group, (READ,), LITERAL)
    # The webhook dispatcher uses one group per agency: <group>.<AGENCY>.
    for group in hub.extra_groups:
        rules += _rules(who, GROUP, f"{group}.", (READ,), PREFIXED)
    return rules


def plan_acls(taskforce: TaskForce, hub: HubAccess | None = None) -> list[AclRule]:
    """Every ALLOW rule of the deployment, sorted and without duplicates."""
    hub = hub if hub is not None else default_hub(taskforce)
    rules = set(hub_rules(taskforce, hub))
    for member in taskforce.members:
        rules.update(agency_rules(taskforce, member.agency_id))
    return sorted(rules)


def managed(rule: AclRule, taskforce: TaskForce, hub: HubAccess | None = None) -> bool:
    """True if ``rule`` is on a resource this deployment's plan owns.

    ``corridor acl apply --prune`` deletes managed rules that the plan no longer has: rules on
    topics under the deployment's prefix, on the Faust app's topics, on the hub's groups and on
    agencies' inbox groups. Rules on anything else are left alone.
    """
    hub = hub if hub is not None else default_hub(taskforce)
    name = rule.resource_name
    if rule.resource_type == TOPIC:
        return name.startswith(f"{taskforce.topics.prefix}.") or name.startswith(
            f"{hub.streams_app_id}-"
        )
    if rule.resource_type == GROUP:
        hub_groups = {hub.streams_app_id, hub.delivery_group}
        webhook_groups = {f"{group}." for group in hub.extra_groups}
        return name in hub_groups or name in webhook_groups or name.startswith(INBOX_GROUP_PREFIX)
    return False


@dataclass(frozen=True)
class AclDiff:
    """How a cluster's ACLs differ from the plan."""

    missing: tuple[AclRule, ...]
    """Planned rules the cluster does not have (to create)."""
    stale: tuple[AclRule, ...]
    """Rules on managed resources the plan no longer has (deleted by ``--prune``)."""
    present: int
    """Planned rules the cluster already has."""


def diff_acls(
    planned: list[AclRule],
    existing: list[AclRule],
    taskforce: TaskForce,
    hub: HubAccess | None = None,
) -> AclDiff:
    """Compare the plan with the cluster's rules; rules on other resources are ignored."""
    have = set(existing)
    want = set(planned)
    return AclDiff(
        missing=tuple(sorted(want - have)),
        stale=tuple(sorted(r for r in have - want if managed(r, taskforce, hub))),
        present=len(want & have),
    )

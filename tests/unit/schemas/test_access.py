"""The ACL plan: least privilege per agency, the hub owns the rest, deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.access import (
    LITERAL,
    PREFIXED,
    AclRule,
    HubAccess,
    agency_rules,
    diff_acls,
    hub_rules,
    managed,
    plan_acls,
)
from schemas.taskforce import TaskForce, parse_taskforce

DOCUMENT = {
    "topic_prefix": "tf",
    "hub": "TF-HUB",
    "agency": [
        {"id": "PK-FIA", "role": "investigation_agency"},
        {"id": "PK", "role": "interior_ministry"},
        {"id": "EU-EUROPOL", "role": "eu_partner", "publishes": False},
        {"id": "IOM", "role": "international_organisation", "receives": False},
        {
            "id": "UNODC",
            "role": "international_organisation",
            "inbox": False,
            "webhook": {"url": "https://unodc.example/hook"},
        },
    ],
}


@pytest.fixture
def taskforce() -> TaskForce:
    return parse_taskforce(DOCUMENT, Path())


def _set(rules: list[AclRule]) -> set[tuple[str, str, str, str]]:
    return {(r.resource_type, r.resource_name, r.pattern, r.operation) for r in rules}


def test_an_agency_that_publishes_and_receives(taskforce: TaskForce) -> None:
    rules = agency_rules(taskforce, "PK-FIA")
    assert {r.principal for r in rules} == {"User:PK-FIA"}
    assert {r.permission for r in rules} == {"ALLOW"}
    assert _set(rules) == {
        ("TOPIC", "tf.inbound.PK-FIA", LITERAL, "WRITE"),
        ("TOPIC", "tf.inbound.PK-FIA", LITERAL, "DESCRIBE"),
        ("TOPIC", "tf.inbox.PK-FIA", LITERAL, "READ"),
        ("TOPIC", "tf.inbox.PK-FIA", LITERAL, "DESCRIBE"),
        ("GROUP", "corridor-inbox-PK-FIA", LITERAL, "READ"),
        ("GROUP", "corridor-inbox-PK-FIA.", PREFIXED, "READ"),
        ("TOPIC", "tf.receipts.PK-FIA", LITERAL, "WRITE"),
        ("TOPIC", "tf.receipts.PK-FIA", LITERAL, "READ"),
        ("TOPIC", "tf.receipts.PK-FIA", LITERAL, "DESCRIBE"),
        ("TOPIC", "tf.keys", LITERAL, "READ"),
        ("TOPIC", "tf.keys", LITERAL, "DESCRIBE"),
    }


def test_a_receiver_that_does_not_publish_gets_no_inbound(taskforce: TaskForce) -> None:
    names = {r.resource_name for r in agency_rules(taskforce, "EU-EUROPOL")}
    assert "tf.inbound.EU-EUROPOL" not in names
    assert "tf.inbox.EU-EUROPOL" in names


def test_a_publisher_that_does_not_receive_gets_only_its_inbound(taskforce: TaskForce) -> None:
    assert _set(agency_rules(taskforce, "IOM")) == {
        ("TOPIC", "tf.inbound.IOM", LITERAL, "WRITE"),
        ("TOPIC", "tf.inbound.IOM", LITERAL, "DESCRIBE"),
    }


def test_a_webhook_only_member_reads_no_inbox_but_writes_receipts(taskforce: TaskForce) -> None:
    rules = agency_rules(taskforce, "UNODC")
    assert not [r for r in rules if r.resource_type == "GROUP"]
    assert "tf.inbox.UNODC" not in {r.resource_name for r in rules}
    assert ("TOPIC", "tf.receipts.UNODC", LITERAL, "WRITE") in _set(rules)


def test_unknown_agency_gets_nothing(taskforce: TaskForce) -> None:
    assert agency_rules(taskforce, "XX-NOBODY") == []


def test_no_agency_rule_touches_another_agencys_resources(taskforce: TaskForce) -> None:
    for rule in plan_acls(taskforce):
        if rule.principal == "User:TF-HUB":
            continue
        agency = rule.principal.removeprefix("User:")
        if rule.resource_name == "tf.keys":  # the key registry: everyone reads, nobody writes
            assert rule.operation in ("READ", "DESCRIBE")
        elif rule.resource_type == "TOPIC":
            assert rule.pattern == LITERAL
            assert rule.resource_name.rsplit(".", 1)[1] == agency
        else:
            assert rule.resource_name in (f"corridor-inbox-{agency}", f"corridor-inbox-{agency}.")


def test_only_the_admin_writes_the_key_registry(taskforce: TaskForce) -> None:
    on_keys = [r for r in plan_acls(taskforce) if r.resource_name == "tf.keys"]
    assert {r.operation for r in on_keys} == {"READ", "DESCRIBE"}
    assert {r.principal for r in on_keys} == {
        "User:TF-HUB",
        "User:PK-FIA",
        "User:PK",
        "User:EU-EUROPOL",
        "User:UNODC",
    }


def test_prefixed_group_of_one_agency_does_not_cover_another(taskforce: TaskForce) -> None:
    # PK is a prefix of PK-FIA: a plain prefix corridor-inbox-PK would cover PK-FIA's group.
    prefixes = [
        r.resource_name
        for r in agency_rules(taskforce, "PK")
        if r.resource_type == "GROUP" and r.pattern == PREFIXED
    ]
    assert prefixes == ["corridor-inbox-PK."]
    assert not "corridor-inbox-PK-FIA".startswith(prefixes[0])
    assert not "corridor-inbox-PK-FIA.laptop".startswith(prefixes[0])


def test_agencies_never_read_inbound_nor_write_inboxes(taskforce: TaskForce) -> None:
    for rule in plan_acls(taskforce):
        if rule.principal == "User:TF-HUB":
            continue
        if ".inbound." in rule.resource_name:
            assert rule.operation in ("WRITE", "DESCRIBE")
        if ".inbox." in rule.resource_name:
            assert rule.operation in ("READ", "DESCRIBE")


def test_hub_reads_inbound_writes_inboxes_and_owns_the_pipeline(taskforce: TaskForce) -> None:
    hub = HubAccess(principal="User:TF-HUB", streams_app_id="app", delivery_group="deliv")
    rules = _set(hub_rules(taskforce, hub))
    assert ("TOPIC", "tf.inbound.PK-FIA", LITERAL, "READ") in rules
    assert ("TOPIC", "tf.inbound.PK-FIA", LITERAL, "WRITE") not in rules
    assert ("TOPIC", "tf.inbox.PK-FIA", LITERAL, "WRITE") in rules
    # Read back by the webhook dispatcher and the receipt tracker.
    assert ("TOPIC", "tf.inbox.PK-FIA", LITERAL, "READ") in rules
    assert ("TOPIC", "tf.receipts.PK-FIA", LITERAL, "READ") in rules
    assert ("TOPIC", "tf.receipts.PK-FIA", LITERAL, "WRITE") not in rules
    assert ("TOPIC", "tf.inbound.EU-EUROPOL", LITERAL, "READ") not in rules
    for topic in ("verified", "alerts", "incidents", "correlation", "quarantine", "deadletter"):
        for op in ("READ", "WRITE", "DESCRIBE"):
            assert ("TOPIC", f"tf.{topic}", LITERAL, op) in rules
    assert ("TOPIC", "app-", PREFIXED, "WRITE") in rules
    assert ("TOPIC", "app-", PREFIXED, "CREATE") in rules
    assert [r for r in rules if r[3] == "CREATE"] == [("TOPIC", "app-", PREFIXED, "CREATE")]
    assert ("GROUP", "app", LITERAL, "READ") in rules
    assert ("GROUP", "deliv", LITERAL, "READ") in rules
    # The webhook dispatcher consumes agency A as group corridor-webhooks.A.
    assert ("GROUP", "corridor-webhooks.", PREFIXED, "READ") in rules
    assert ("GROUP", "corridor-webhooks", LITERAL, "READ") not in rules


def test_plan_is_sorted_unique_and_stable(taskforce: TaskForce) -> None:
    plan = plan_acls(taskforce)
    assert plan == sorted(plan)
    assert len(plan) == len(set(plan))
    reordered = parse_taskforce({**DOCUMENT, "agency": DOCUMENT["agency"][::-1]}, Path())
    assert plan_acls(reordered) == plan


def test_only_allow_rules_and_never_a_wildcard(taskforce: TaskForce) -> None:
    for rule in plan_acls(taskforce):
        assert rule.permission == "ALLOW"
        assert rule.host == "*"
        assert rule.resource_name not in ("*", "")
        assert rule.resource_type in ("TOPIC", "GROUP")


def test_managed_covers_our_topics_and_groups_only(taskforce: TaskForce) -> None:
    def rule(kind: str, name: str) -> AclRule:
        return AclRule("User:X", kind, name, LITERAL, "READ")

    assert managed(rule("TOPIC", "tf.inbox.OLD"), taskforce)
    assert managed(rule("TOPIC", "corridor-streams-x-changelog"), taskforce)
    assert managed(rule("GROUP", "corridor-inbox-OLD"), taskforce)
    assert managed(rule("GROUP", "corridor-delivery"), taskforce)
    assert not managed(rule("TOPIC", "other.inbox.X"), taskforce)
    assert not managed(rule("TOPIC", "tfx.inbox.X"), taskforce)
    assert not managed(rule("GROUP", "someone-elses-group"), taskforce)
    assert not managed(AclRule("User:X", "CLUSTER", "kafka-cluster", LITERAL, "ALTER"), taskforce)


def test_diff_finds_missing_and_stale_and_ignores_foreign(taskforce: TaskForce) -> None:
    plan = plan_acls(taskforce)
    stale = AclRule("User:OLD", "TOPIC", "tf.inbound.OLD", LITERAL, "WRITE")
    foreign = AclRule("User:OTHER", "TOPIC", "other.topic", LITERAL, "READ")
    existing = [*plan[1:], stale, foreign]
    diff = diff_acls(plan, existing, taskforce)
    assert diff.missing == (plan[0],)
    assert diff.stale == (stale,)
    assert diff.present == len(plan) - 1
    again = diff_acls(plan, [*plan, foreign], taskforce)
    assert again.missing == () and again.stale == () and again.present == len(plan)


def test_describe_marks_prefixes() -> None:
    rule = AclRule("User:A", "GROUP", "corridor-inbox-A.", PREFIXED, "READ")
    assert rule.describe() == "User:A READ GROUP corridor-inbox-A.*"

"""``corridor acl``: the Kafka ACLs the task-force configuration implies, planned and applied."""

from __future__ import annotations

import argparse
import json
from typing import Any

from corridor_cli import common, environment
from schemas.access import (
    DEFAULT_DELIVERY_GROUP,
    DEFAULT_STREAMS_APP_ID,
    DEFAULT_WEBHOOK_GROUP,
    AclRule,
    HubAccess,
    plan_acls,
    user_principal,
)
from schemas.errors import ConfigError
from schemas.taskforce import TaskForce
from streams.acls import AclAdmin, apply_acls


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser(
        "acl",
        help="Kafka ACLs derived from the task-force config",
        description="Each agency (User:<agency id>) may write only its inbound topic and read "
        "only its inbox and receipts; the hub (User:<hub id>) owns the rest. The broker's "
        "authorizer must deny what no ACL allows (allow.everyone.if.no.acl.found=false).",
    )
    acl_sub = parser.add_subparsers(dest="acl_command", required=True, metavar="COMMAND")
    plan = acl_sub.add_parser("plan", help="print the ACLs the config implies (no broker)")
    _add_plan_options(plan)
    plan.add_argument(
        "--topic-prefix",
        default=environment.topic_prefix(),
        help=f"topic name prefix (env {environment.CORRIDOR_TOPIC_PREFIX}; default: the config's)",
    )
    plan.set_defaults(handler=run_plan)
    apply = acl_sub.add_parser(
        "apply",
        help="create the missing ACLs on the cluster (idempotent)",
        description="Creates the planned ACLs the cluster lacks. With --prune, also deletes "
        "ACLs on this deployment's topics and groups that the plan does not have. Needs a "
        "principal allowed to manage ACLs (--kafka-security with the admin's file).",
    )
    _add_plan_options(apply)
    common.add_kafka_options(apply)
    apply.add_argument("--prune", action="store_true", help="delete stale ACLs of ours")
    apply.add_argument(
        "--dry-run", action="store_true", help="report what would change, change nothing"
    )
    apply.set_defaults(handler=run_apply)


def _add_plan_options(parser: argparse.ArgumentParser) -> None:
    common.add_config_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--hub-principal", help="principal of the hub's services (default User:<hub id>)"
    )
    parser.add_argument(
        "--delivery-group", default=DEFAULT_DELIVERY_GROUP, help="delivery service's group"
    )
    parser.add_argument(
        "--streams-app-id", default=DEFAULT_STREAMS_APP_ID, help="Faust app id of the worker"
    )
    parser.add_argument(
        "--webhook-group", default=DEFAULT_WEBHOOK_GROUP, help="webhook dispatcher's group"
    )


def _hub(args: argparse.Namespace, taskforce: TaskForce) -> HubAccess:
    principal = args.hub_principal or user_principal(taskforce.hub_id)
    if not principal.startswith("User:") or len(principal) <= len("User:"):
        raise ConfigError(f"--hub-principal: {principal!r} is not a principal like User:TF-HUB")
    return HubAccess(
        principal=principal,
        delivery_group=args.delivery_group,
        streams_app_id=args.streams_app_id,
        extra_groups=(args.webhook_group,),
    )


def rule_document(rule: AclRule) -> dict[str, str]:
    """JSON form of one rule."""
    return {
        "principal": rule.principal,
        "resource_type": rule.resource_type,
        "resource_name": rule.resource_name,
        "pattern": rule.pattern,
        "operation": rule.operation,
        "permission": rule.permission,
        "host": rule.host,
    }


def _table(rules: list[AclRule]) -> str:
    header = ("PRINCIPAL", "OPERATION", "TYPE", "PATTERN", "RESOURCE")
    rows = [(r.principal, r.operation, r.resource_type, r.pattern, r.resource_name) for r in rules]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)


def run_plan(args: argparse.Namespace) -> int:
    """Print the plan."""
    taskforce = common.taskforce_from(args)
    rules = plan_acls(taskforce, _hub(args, taskforce))
    if args.json:
        print(json.dumps([rule_document(r) for r in rules], indent=2))
    else:
        print(_table(rules))
        principals = len({r.principal for r in rules})
        print(f"\n{len(rules)} ACLs for {principals} principals (everything else is denied)")
    return common.EXIT_OK


def run_apply(args: argparse.Namespace) -> int:
    """Create the missing ACLs (and prune stale ones) and report each change."""
    taskforce = common.taskforce_from(args)
    hub = _hub(args, taskforce)
    planned = plan_acls(taskforce, hub)
    with AclAdmin(args.bootstrap, common.security_from(args)) as admin:
        changes = apply_acls(admin, planned, taskforce, hub, prune=args.prune, dry_run=args.dry_run)
    diff = changes.diff
    created = list(diff.missing if args.dry_run else changes.created)
    if args.prune:
        deleted, stale = list(diff.stale if args.dry_run else changes.deleted), []
    else:
        deleted, stale = [], list(diff.stale)
    if args.json:
        document = {
            "dry_run": args.dry_run,
            "created": [rule_document(r) for r in created],
            "deleted": [rule_document(r) for r in deleted],
            "stale": [rule_document(r) for r in stale],
            "unchanged": diff.present,
        }
        print(json.dumps(document))
        return common.EXIT_OK
    would = "would be " if args.dry_run else ""
    for rule in created:
        print(f"{'create' if args.dry_run else 'created'}  {rule.describe()}")
    for rule in deleted:
        print(f"{'delete' if args.dry_run else 'deleted'}  {rule.describe()}")
    for rule in stale:
        print(f"stale    {rule.describe()}")
    summary = (
        f"{len(created)} {would}created, {len(deleted)} {would}deleted, {diff.present} unchanged"
    )
    if stale:
        summary += f", {len(stale)} stale (not in the plan; --prune deletes them)"
    print(summary if created or deleted else f"nothing to do: {summary}")
    return common.EXIT_OK

"""Entry point of the ``corridor`` command."""

from __future__ import annotations

import argparse
import sys

from corridor_cli import (
    acl_cmd,
    audit_cmd,
    common,
    delivery_cmd,
    inbox_cmd,
    incidents_cmd,
    keys_cmd,
    logs,
    publish_cmd,
    quarantine_cmd,
    recalls_cmd,
    receipts_cmd,
    registry_cmd,
    schemas_cmd,
    simulate_cmd,
    status_cmd,
    stix_cmd,
    streams_cmd,
    taxii_cmd,
    topics_cmd,
    webhook_receiver_cmd,
    webhooks_cmd,
)
from schemas.errors import CorridorError


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="corridor",
        description="Signed, real-time sharing of smuggling-route alerts between task-force "
        "agencies. Exit codes: 0 done; 1 some items failed (or, for publish, their outcome is "
        "unknown); 2 bad input or configuration; "
        "3 Kafka unreachable (retry later).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (
        keys_cmd,
        registry_cmd,
        publish_cmd,
        topics_cmd,
        acl_cmd,
        streams_cmd,
        delivery_cmd,
        inbox_cmd,
        quarantine_cmd,
        incidents_cmd,
        receipts_cmd,
        recalls_cmd,
        simulate_cmd,
        webhooks_cmd,
        webhook_receiver_cmd,
        stix_cmd,
        taxii_cmd,
        audit_cmd,
        status_cmd,
        schemas_cmd,
    ):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user mistakes end with a message and an exit code, not a traceback."""
    args = build_parser().parse_args(argv)
    logs.configure()
    try:
        code: int = args.handler(args)
    except CorridorError as exc:
        print(f"corridor: error: {exc}", file=sys.stderr)
        return common.EXIT_UNAVAILABLE if exc.retriable else common.EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())

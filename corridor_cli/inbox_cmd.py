"""``corridor inbox``: an agency reads and verifies its deliveries."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from prometheus_client import CollectorRegistry

from consumers.inbox import InboxReader, InboxSettings
from consumers.metrics import InboxMetrics
from corridor_cli import common
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.truststore import load_trust_store


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "inbox",
        help="read and verify an agency's deliveries",
        description="Reads the agency's inbox, verifies every alert against the trust store, "
        "and writes one JSON object per delivery (status verified or rejected).",
    )
    parser.add_argument("--agency", required=True, help="your agency id")
    parser.add_argument("--trust-store", type=Path, required=True, help="trust store file")
    parser.add_argument("--output", type=Path, help="append JSON Lines here (default stdout)")
    parser.add_argument("--group", help="consumer group (default corridor-inbox-AGENCY)")
    parser.add_argument(
        "--hub-id",
        default=DEFAULT_HUB_ID,
        help="the task-force hub's id, which signs incidents (default %(default)s)",
    )
    parser.add_argument(
        "--idle-timeout", type=float, help="stop after this many seconds without a delivery"
    )
    parser.add_argument("--max-messages", type=int, help="stop after this many deliveries")
    common.add_kafka_options(parser)
    common.add_metrics_options(parser, default_port=0)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read until stopped; exit 1 if any delivery failed verification."""
    trust_store = load_trust_store(args.trust_store)
    registry = CollectorRegistry()
    metrics = InboxMetrics.create(registry)
    common.serve_metrics(args, registry)
    settings = InboxSettings(
        bootstrap=args.bootstrap,
        agency=args.agency,
        topics=common.topics_from(args),
        group_id=args.group,
        idle_timeout_s=args.idle_timeout,
        max_messages=args.max_messages,
        hub_id=args.hub_id,
        security=common.security_from(args),
    )
    stop = common.stop_on_signals()
    reader = InboxReader(settings, trust_store, metrics)
    rejected = 0
    out: TextIO = args.output.open("a", encoding="utf-8") if args.output else sys.stdout
    try:
        for item in reader.items(stop):
            out.write(json.dumps(item.document) + "\n")
            out.flush()
            rejected += not item.verified
    finally:
        reader.close()
        if args.output:
            out.close()
    return common.EXIT_FAILED if rejected else common.EXIT_OK

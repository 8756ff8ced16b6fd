"""``corridor quarantine``: show what the pipeline rejected and why."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from kafka import KafkaConsumer

from corridor_cli import common
from producers.kafka_client import client_config, connect
from schemas.errors import CorridorError
from schemas.quarantine import parse_quarantine_record


class QuarantineReadError(CorridorError):
    """The quarantine topic could not be read."""

    retriable = True


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "quarantine", help="list quarantined records (read-only, from the beginning)"
    )
    parser.add_argument("--json", action="store_true", help="print the full records")
    parser.add_argument(
        "--idle-timeout", type=float, default=3.0, help="stop after this long without records"
    )
    common.add_kafka_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print each record (no consumer group: reading does not move anyone's offsets)."""
    topic = common.topics_from(args).quarantine
    security = common.security_from(args)
    consumer = connect(
        KafkaConsumer,
        topic,
        bootstrap=args.bootstrap,
        security=security,
        unavailable=QuarantineReadError,
        **client_config(args.bootstrap, security),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(args.idle_timeout * 1000),
    )
    reasons: Counter[str] = Counter()
    try:
        for record in consumer:
            document = parse_quarantine_record(record.value)
            reasons[document["reason"]] += 1
            if args.json:
                print(json.dumps(document))
            else:
                source = document["source"]
                print(
                    f"{document['quarantined_at']}  {document['stage']:<8} "
                    f"{document['reason']:<20} {source['topic']}[{source['partition']}]"
                    f"@{source['offset']}  {document['detail']}"
                )
    finally:
        consumer.close()
    summary = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) or "nothing"
    print(f"quarantined: {summary}")
    return common.EXIT_OK

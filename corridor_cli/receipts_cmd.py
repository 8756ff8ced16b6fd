"""``corridor receipts``: send an ACTIONED receipt (agency side) or track receipts (hub side)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.receipts.ledger import ACTIONED, receipt_datum
from consumers.receipts.metrics import ReceiptMetrics
from consumers.receipts.sender import ReceiptSender
from consumers.receipts.tracker import ReceiptTracker, TrackerSettings
from corridor_cli import common, trust
from monitoring.health import LoopHealth
from schemas.keys import load_private_key
from schemas.signing import now_ms

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand and its actions."""
    parser = sub.add_parser(
        "receipts",
        help="signed receipts: send one, or track them at the hub",
        description="Recipients sign receipts for what they were delivered (corridor inbox "
        "--receipts sends RECEIVED and VERIFIED on its own); the hub tracks them to show "
        "unacknowledged deliveries and receipt latency per agency.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    send = actions.add_parser("send", help="send an ACTIONED receipt for one delivery")
    send.add_argument("--agency", required=True, help="your agency id")
    send.add_argument("--key", type=Path, required=True, help="your signing key")
    send.add_argument("--delivery-id", required=True, help="the delivery's corridor-delivery-id")
    send.add_argument("--message-id", required=True, help="the delivered message id")
    send.add_argument("--origin", required=True, help="who signed the delivered message")
    send.add_argument("--note", help="what was done (no personal data)")
    common.add_kafka_options(send)
    send.set_defaults(handler=run_send)

    track = actions.add_parser("track", help="hub service: pair deliveries with receipts")
    common.add_config_option(track)
    common.add_kafka_options(track)
    common.add_metrics_options(track, default_port=9404)
    track.add_argument(
        "--trust-store",
        type=Path,
        help="default: the task-force file's (unused when it names registry_roots: then the "
        "signed key registry is followed live)",
    )
    track.set_defaults(handler=run_track)


def run_send(args: argparse.Namespace) -> int:
    """Sign and send one ACTIONED receipt, acknowledged by the broker."""
    key = load_private_key(args.key)
    receipt = receipt_datum(
        delivery_id=args.delivery_id,
        message_id=args.message_id,
        origin=args.origin,
        recipient=args.agency,
        status=ACTIONED,
        at=now_ms(),
        note=args.note,
    )
    sender = ReceiptSender(
        args.bootstrap,
        args.agency,
        key,
        common.topics_from(args),
        security=common.security_from(args),
    )
    try:
        sender.send([receipt])
    finally:
        sender.close()
    print(json.dumps({"delivery_id": args.delivery_id, "status": ACTIONED, "sent": True}))
    return common.EXIT_OK


def run_track(args: argparse.Namespace) -> int:
    """Track until SIGINT/SIGTERM."""
    taskforce = common.taskforce_from(args)
    registry = CollectorRegistry()
    metrics = ReceiptMetrics.create(registry)
    with trust.hub_trust(args, taskforce, registry) as keys:
        health = LoopHealth(registry, ("receipts",))
        common.serve_metrics(args, registry, health)
        stop = common.stop_on_signals()
        tracker = ReceiptTracker(
            TrackerSettings(
                bootstrap=args.bootstrap, taskforce=taskforce, security=common.security_from(args)
            ),
            keys,
            metrics,
        )
        logger.info("tracking receipts of %d members", len(taskforce.recipients))
        try:
            with common.loop_reported(health, "receipts"):
                tracker.run(stop)
        finally:
            tracker.close()
    return common.EXIT_OK

"""``corridor recalls``: recall delivered alerts signed with a compromised key."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.recalls.metrics import RecallMetrics
from consumers.recalls.service import RecallService, RecallSettings, revocation_source
from corridor_cli import common, trust
from monitoring.health import LoopHealth
from schemas.keys import load_private_key

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "recalls",
        help="recall delivered alerts signed with a revoked key",
        description="Reads the alerts topic and follows the signed key registry (registry_roots "
        "in the task-force file; else the trust-store file): every delivered alert signed with a "
        "revoked key at or after its compromised_at gets a hub-signed recall notice in each "
        "recipient's inbox.",
    )
    commands = parser.add_subparsers(dest="recalls_command", required=True, metavar="COMMAND")
    run_parser = commands.add_parser(
        "run", help="write recall notices, following the alerts topic and the key registry"
    )
    common.add_config_option(run_parser)
    common.add_kafka_options(run_parser)
    common.add_metrics_options(run_parser, default_port=9405)
    run_parser.add_argument(
        "--hub-key",
        type=Path,
        required=True,
        help="the hub's private signing key (its public key is in the registry under the "
        "config's hub id)",
    )
    run_parser.add_argument(
        "--once",
        action="store_true",
        help="read the alerts topic to its end, write the notices due, and exit",
    )
    run_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write notices until SIGINT/SIGTERM (or once, with --once)."""
    taskforce = common.taskforce_from(args)
    hub_key = load_private_key(args.hub_key)
    registry = CollectorRegistry()
    metrics = RecallMetrics.create(registry)
    health = LoopHealth(registry, ("recalls",))
    common.serve_metrics(args, registry, health)
    stop = common.stop_on_signals()
    with trust.hub_trust(args, taskforce, registry) as keys:
        settings = RecallSettings(
            bootstrap=args.bootstrap,
            taskforce=taskforce,
            hub_key=hub_key,
            security=common.security_from(args),
        )
        service = RecallService(settings, revocation_source(keys), metrics)
        try:
            with common.loop_reported(health, "recalls"):
                written = service.catch_up()
                logger.info(
                    "read %d alerts of %s; %d recall notices written",
                    service.ledger.alerts_seen,
                    taskforce.topics.alerts,
                    written,
                )
                if not args.once:
                    service.run(stop)
        finally:
            service.close()
    return common.EXIT_OK

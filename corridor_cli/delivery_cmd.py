"""``corridor delivery``: run the delivery service."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.delivery import DeliveryService, DeliverySettings
from consumers.metrics import DeliveryMetrics
from corridor_cli import common
from schemas.truststore import load_trust_store

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("delivery", help="deliver verified alerts to members' inboxes")
    common.add_config_option(parser)
    common.add_kafka_options(parser)
    common.add_metrics_options(parser, default_port=9402)
    parser.add_argument("--group", default="corridor-delivery", help="consumer group")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Deliver until SIGINT/SIGTERM."""
    taskforce = common.taskforce_from(args)
    registry = CollectorRegistry()
    metrics = DeliveryMetrics.create(registry)
    common.serve_metrics(args, registry)
    stop = common.stop_on_signals()
    trust_store = load_trust_store(taskforce.trust_store)
    settings = DeliverySettings(
        bootstrap=args.bootstrap,
        taskforce=taskforce,
        group_id=args.group,
        encryption_key_ids={
            m.agency_id: trust_store.delivery_key_ids(m.agency_id) for m in taskforce.recipients
        },
        security=common.security_from(args),
    )
    service = DeliveryService(settings, metrics)
    logger.info("delivering %s to %d members", taskforce.topics.alerts, len(taskforce.recipients))
    try:
        service.run(stop)
    finally:
        service.close()
    return common.EXIT_OK

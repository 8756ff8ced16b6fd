"""``corridor delivery``: run the delivery service."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Collection, Mapping
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.delivery.metrics import DeliveryMetrics
from consumers.delivery.service import DeliveryService
from consumers.delivery.settings import DeliverySettings
from consumers.registry_follower import DeliveryKeyIds, RegistryFollower
from corridor_cli import common, trust
from monitoring.health import LoopHealth

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser("delivery", help="deliver verified alerts to members' inboxes")
    common.add_config_option(parser)
    common.add_kafka_options(parser)
    common.add_metrics_options(parser, default_port=9402)
    common.add_group_options(parser)
    parser.add_argument("--group", default="corridor-delivery", help="consumer group")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Deliver until SIGINT/SIGTERM."""
    taskforce = common.taskforce_from(args)
    registry = CollectorRegistry()
    metrics = DeliveryMetrics.create(registry)
    health = LoopHealth(registry, ("delivery",))
    common.serve_metrics(args, registry, health)
    stop = common.stop_on_signals()
    with trust.hub_trust(args, taskforce, registry) as keys:
        recipients = [m.agency_id for m in taskforce.recipients]
        key_ids: Mapping[str, Collection[str]] = (
            DeliveryKeyIds(keys, recipients)
            if isinstance(keys, RegistryFollower)
            else {agency: keys.current().delivery_key_ids(agency) for agency in recipients}
        )
        settings = DeliverySettings(
            bootstrap=args.bootstrap,
            taskforce=taskforce,
            group_id=args.group,
            encryption_key_ids=key_ids,
            security=common.security_from(args),
            membership=common.membership_from(args),
        )
        service = DeliveryService(settings, metrics)
        logger.info(
            "delivering %s to %d members", taskforce.topics.alerts, len(taskforce.recipients)
        )
        try:
            with common.loop_reported(health, "delivery"):
                service.run(stop)
        finally:
            service.close()
    return common.EXIT_OK

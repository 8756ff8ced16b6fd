"""``corridor webhooks``: the hub's webhook dispatcher, and replay of dead letters."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from consumers.kafka_clients import acked_producer
from consumers.webhooks.client import WebhookClient
from consumers.webhooks.dispatcher import WebhookDispatcher
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.replay import replay
from consumers.webhooks.settings import WebhookSettings
from corridor_cli import common
from monitoring.health import LoopHealth
from producers.publisher import request_timeout_ms
from schemas.errors import ConfigError
from schemas.keys import load_private_key

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("webhooks", help="signed HTTPS webhook deliveries (hub side)")
    webhooks_sub = parser.add_subparsers(dest="webhooks_command", required=True, metavar="COMMAND")
    run_parser = webhooks_sub.add_parser(
        "run",
        help="POST every webhook member's deliveries, with retries and dead letters",
        description="Consumes the inbox topic of every member with an [agency.webhook] url "
        "(one thread and consumer group per agency) and POSTs each delivery signed by the hub. "
        "Retries follow the [webhooks] table of the task-force file; a delivery that fails "
        "every attempt goes to the dead-letter topic. Offsets are committed only after a 2xx "
        "or an acknowledged dead letter.",
    )
    _common_options(run_parser)
    common.add_metrics_options(run_parser, default_port=9403)
    common.add_group_options(run_parser)
    run_parser.add_argument(
        "--group",
        default="corridor-webhooks",
        help="consumer group prefix; agency A uses GROUP.A (default %(default)s)",
    )
    run_parser.add_argument(
        "--commit-every",
        type=int,
        default=1,
        help="deliveries done between offset commits (default %(default)s; also commits "
        "whenever the inbox is idle)",
    )
    run_parser.set_defaults(handler=run)

    replay_parser = webhooks_sub.add_parser(
        "replay",
        help="POST dead-lettered deliveries again (same delivery id), once each",
        description="Reads the dead-letter topic, POSTs each letter not yet replayed to the "
        "agency's current webhook URL, and marks each delivered one with a 'replayed' record "
        "on the dead-letter topic, so a second replay skips it. Prints one JSON line per "
        "letter. Exit 1 if any failed (they stay pending).",
    )
    _common_options(replay_parser)
    replay_parser.add_argument("--agency", help="only this agency's dead letters")
    replay_parser.add_argument("--delivery-id", help="only this delivery")
    replay_parser.set_defaults(handler=run_replay)


def _common_options(parser: argparse.ArgumentParser) -> None:
    common.add_config_option(parser)
    common.add_kafka_options(parser)
    parser.add_argument(
        "--hub-key",
        type=Path,
        required=True,
        help="the hub's private signing key (its public key is in the trust store under "
        "the config's hub id)",
    )
    parser.add_argument(
        "--ca-file",
        type=Path,
        help="PEM CA certificates to trust for webhook servers (default: the system's)",
    )


def _client(args: argparse.Namespace, timeout_s: float) -> WebhookClient:
    return WebhookClient(load_private_key(args.hub_key), timeout_s=timeout_s, ca_file=args.ca_file)


def run(args: argparse.Namespace) -> int:
    """Dispatch until SIGINT/SIGTERM."""
    if args.commit_every < 1:
        raise ConfigError("--commit-every must be at least 1")
    taskforce = common.taskforce_from(args)
    client = _client(args, taskforce.webhooks.timeout_s)
    registry = CollectorRegistry()
    metrics = WebhookMetrics.create(registry)
    settings = WebhookSettings(
        bootstrap=args.bootstrap,
        taskforce=taskforce,
        group_id=args.group,
        commit_every=args.commit_every,
        security=common.security_from(args),
        membership=common.membership_from(args),
    )
    dispatcher = WebhookDispatcher(settings, client, metrics)  # checks the members first
    health = LoopHealth(registry)
    common.serve_metrics(args, registry, health)
    stop = common.stop_on_signals()
    try:
        dispatcher.run(stop, health)
    finally:
        dispatcher.close()
    return common.EXIT_OK


def run_replay(args: argparse.Namespace) -> int:
    """Replay once and report; exit 1 if any letter failed or was unreadable."""
    taskforce = common.taskforce_from(args)
    if args.agency is not None and taskforce.member(args.agency) is None:
        raise ConfigError(f"--agency {args.agency} is not a member of the task force")
    client = _client(args, taskforce.webhooks.timeout_s)
    metrics = WebhookMetrics.create(CollectorRegistry())
    security = common.security_from(args)
    producer = acked_producer(
        KafkaProducer,
        bootstrap=args.bootstrap,
        security=security,
        client_id="corridor-webhooks-replay",
        request_timeout_ms=request_timeout_ms(30.0),
    )
    try:
        report = replay(
            args.bootstrap,
            taskforce,
            client,
            producer,
            metrics,
            agency=args.agency,
            delivery_id=args.delivery_id,
            security=security,
        )
    finally:
        producer.close(timeout=30)
    for outcome in report.outcomes:
        print(json.dumps(outcome.document()), flush=True)
    failed = sum(not o.ok for o in report.outcomes)
    logger.info(
        "replayed %d of %d dead letters (%d unreadable records)",
        len(report.outcomes) - failed,
        len(report.outcomes),
        report.unreadable,
    )
    return common.EXIT_FAILED if failed or report.unreadable else common.EXIT_OK

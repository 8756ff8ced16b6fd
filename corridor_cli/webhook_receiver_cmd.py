"""``corridor webhook-receiver``: an agency's HTTPS endpoint that stores deliveries once."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.receiver_store import ReceiverStore
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.receiver import (
    ReceiverSettings,
    WebhookEndpoint,
    WebhookServer,
    parse_listen,
)
from consumers.webhooks.signing import DEFAULT_MAX_SKEW_S
from corridor_cli import common
from schemas.errors import ConfigError
from schemas.keys import load_decryption_key
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.truststore import load_trust_store

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "webhook-receiver",
        help="receive webhook deliveries over HTTPS and store each once in SQLite",
        description="Serves HTTPS; checks the hub's signature and timestamp on every POST "
        "(401 otherwise, nothing stored), verifies the originator's signature against the "
        "trust store, and stores each delivery once by delivery id in the SQLite file.",
    )
    parser.add_argument("--agency", required=True, help="your agency id")
    parser.add_argument(
        "--listen", default="127.0.0.1:8443", help="HOST:PORT to listen on (%(default)s)"
    )
    parser.add_argument("--tls-cert", type=Path, required=True, help="PEM certificate (chain)")
    parser.add_argument("--tls-key", type=Path, required=True, help="PEM private key")
    parser.add_argument("--trust-store", type=Path, required=True, help="trust store file")
    parser.add_argument("--db", type=Path, required=True, help="SQLite file to store into")
    parser.add_argument(
        "--decryption-key",
        type=Path,
        help="your X25519 key: personal data you are cleared for is stored decrypted",
    )
    parser.add_argument(
        "--hub-id", default=DEFAULT_HUB_ID, help="the hub's id in the trust store (%(default)s)"
    )
    parser.add_argument(
        "--max-skew",
        type=float,
        default=DEFAULT_MAX_SKEW_S,
        help="refuse signatures timestamped further than this many seconds from this "
        "clock (%(default)s)",
    )
    parser.add_argument(
        "--topic-prefix",
        default=None,
        help="the deployment's topic prefix, part of every signed envelope (default corridor)",
    )
    common.add_metrics_options(parser, default_port=0)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM."""
    if args.max_skew <= 0:
        raise ConfigError("--max-skew must be positive")
    host, port = parse_listen(args.listen)
    trust_store = load_trust_store(args.trust_store, hub_id=args.hub_id)
    registry = CollectorRegistry()
    metrics = ReceiverMetrics.create(registry)
    common.serve_metrics(args, registry)
    settings = ReceiverSettings(
        agency=args.agency,
        topics=common.topics_from(args),
        hub_id=args.hub_id,
        max_skew_s=args.max_skew,
        decryption_key=(
            load_decryption_key(args.decryption_key) if args.decryption_key is not None else None
        ),
    )
    with ReceiverStore(args.db) as store:
        endpoint = WebhookEndpoint(settings, trust_store, store, metrics)
        server = WebhookServer(endpoint, host, port, args.tls_cert, args.tls_key)
        stop = common.stop_on_signals()
        server.start()
        logger.info("receiving webhooks for %s on %s:%d", args.agency, host, server.port)
        try:
            stop.wait()
        finally:
            server.stop()
    return common.EXIT_OK

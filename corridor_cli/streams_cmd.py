"""``corridor streams worker``: run the Faust stream processors."""

from __future__ import annotations

import argparse
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from corridor_cli import common
from schemas.truststore import load_trust_store
from streams.app import create_app
from streams.metrics import StreamMetrics
from streams.settings import StreamSettings


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("streams", help="the hub's stream processors (Faust)")
    streams_sub = parser.add_subparsers(dest="streams_command", required=True, metavar="COMMAND")
    worker = streams_sub.add_parser("worker", help="run a verification/deduplication worker")
    common.add_config_option(worker)
    common.add_kafka_options(worker)
    common.add_metrics_options(worker, default_port=9401)
    worker.add_argument("--web-port", type=int, default=6066, help="Faust web port (health)")
    worker.add_argument("--data-dir", default=".local/streams", help="Faust data directory")
    worker.add_argument("--app-id", default="corridor-streams", help="Faust application id")
    worker.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Start the worker in this process; returns when it is stopped (SIGINT/SIGTERM)."""
    taskforce = common.taskforce_from(args)
    trust_store = load_trust_store(taskforce.trust_store)
    registry = CollectorRegistry()
    metrics = StreamMetrics.create(registry)
    common.serve_metrics(args, registry)
    settings = StreamSettings(
        bootstrap=args.bootstrap,
        taskforce=taskforce,
        app_id=args.app_id,
        data_dir=args.data_dir,
        web_port=args.web_port,
    )
    app = create_app(settings, trust_store, metrics)
    worker = faust.Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return common.EXIT_OK

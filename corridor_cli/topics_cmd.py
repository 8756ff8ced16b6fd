"""``corridor topics``: create the pipeline's topics from the task-force config."""

from __future__ import annotations

import argparse
from typing import Any

from corridor_cli import common
from streams.admin import create_topics
from streams.topology import DEFAULT_PARTITIONS, pipeline_topics


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("topics", help="the pipeline's Kafka topics")
    topics_sub = parser.add_subparsers(dest="topics_command", required=True, metavar="COMMAND")
    create = topics_sub.add_parser("create", help="create every missing topic (idempotent)")
    common.add_config_option(create)
    common.add_kafka_options(create)
    create.add_argument("--partitions", type=int, default=DEFAULT_PARTITIONS)
    create.add_argument("--replication-factor", type=int, default=1)
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    """Create and report."""
    taskforce = common.taskforce_from(args)
    specs = pipeline_topics(taskforce, args.partitions)
    created = create_topics(
        args.bootstrap, specs, args.replication_factor, common.security_from(args)
    )
    for name in created:
        print(f"created {name}")
    print(f"{len(created)} created, {len(specs) - len(created)} already existed")
    return 0

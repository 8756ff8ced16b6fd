"""``corridor topics``: create the pipeline's topics from the task-force config."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from corridor_cli import common
from streams.admin import create_topics
from streams.topology import DEFAULT_PARTITIONS, pipeline_topics


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("topics", help="the pipeline's Kafka topics")
    topics_sub = parser.add_subparsers(dest="topics_command", required=True, metavar="COMMAND")
    create = topics_sub.add_parser(
        "create",
        help="create every missing topic (idempotent), replicated as the task-force file's "
        "[kafka] table says",
    )
    common.add_config_option(create)
    common.add_kafka_options(create)
    create.add_argument("--partitions", type=int, default=DEFAULT_PARTITIONS)
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    """Create and report; replication settings the cluster cannot honour exit 2."""
    taskforce = common.taskforce_from(args)
    specs = pipeline_topics(taskforce, args.partitions)
    replication = taskforce.replication

    def warn(message: str) -> None:
        print(f"warning: {message}", file=sys.stderr)

    created = create_topics(
        args.bootstrap, specs, replication, common.security_from(args), warn=warn
    )
    for name in created:
        print(f"created {name}")
    print(
        f"{len(created)} created, {len(specs) - len(created)} already existed "
        f"(replication factor {replication.replication_factor}, "
        f"min.insync.replicas {replication.min_insync_replicas})"
    )
    return 0

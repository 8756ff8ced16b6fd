"""Command line of the local Kafka tools: ``up``, ``down`` and ``status`` of a broker or cluster.

``make kafka-up`` / ``make kafka-down`` / ``make kafka-status`` run it through
``deploy/local_kafka.py``::

    python deploy/local_kafka.py up [--home DIR] [--port 9092] [--controller-port 9093]
    python deploy/local_kafka.py up --brokers 3     # nodes on 9092/9093, 9094/9095, 9096/9097
    python deploy/local_kafka.py up --secured [--taskforce FILE] [--users A,B]
    python deploy/local_kafka.py status [--home DIR]
    python deploy/local_kafka.py down [--home DIR]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from kafka_local.cluster import LocalKafkaCluster
from kafka_local.config import ADMIN_USER, DEFAULT_HOME, DEFAULT_SECURED_HOME, BrokerConfig
from kafka_local.distribution import DEFAULT_LIBS, KAFKA_VERSION
from kafka_local.errors import KafkaToolError
from kafka_local.secured import SECURED_PORTS

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="local_kafka.py",
        description=f"Run a local KRaft Apache Kafka {KAFKA_VERSION} broker or cluster.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_home(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--home",
            type=Path,
            help=f"broker home (config, data, logs, pid file); default: {DEFAULT_HOME}, "
            f"with --secured {DEFAULT_SECURED_HOME}",
        )
        p.add_argument(
            "--secured",
            action="store_true",
            help="SASL_SSL + mutual TLS listeners and the StandardAuthorizer (no ACL: no access)",
        )

    up = sub.add_parser("up", help="start the broker (reuses a running one) and print bootstrap")
    add_home(up)
    up.add_argument("--port", type=int, help="client port (default 9092; secured: SASL_SSL, 9192)")
    up.add_argument(
        "--controller-port", type=int, help="CONTROLLER port (default 9093; secured 9193)"
    )
    up.add_argument("--mtls-port", type=int, help="secured: mutual-TLS port (default 9194)")
    up.add_argument(
        "--users",
        default="",
        help="secured: comma-separated SCRAM users to create besides the admin",
    )
    up.add_argument(
        "--taskforce",
        type=Path,
        help="secured: also create a user for the hub and every member of this task-force file",
    )
    up.add_argument(
        "--libs", type=Path, default=DEFAULT_LIBS, help="jar directory; default: %(default)s"
    )
    up.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="nodes (broker+controller each); node i on --port + 2(i-1), controller port "
        "--controller-port + 2(i-1); homes --home/node-<i> when more than one (default 1)",
    )
    up.add_argument("--heap", help="JVM -Xmx per node (default 512m, 320m each with --brokers > 1)")
    up.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for readiness (default 90)"
    )

    down = sub.add_parser("down", help="stop the broker (every node) of --home")
    add_home(down)
    down.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before SIGKILL (default 30)"
    )

    status = sub.add_parser(
        "status", help="say whether the broker (each node) of --home runs; a cluster's health"
    )
    add_home(status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python deploy/local_kafka.py``; returns the process exit code."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="local_kafka: %(message)s", stream=sys.stderr)
    # kafka-python logs every failed readiness probe; those are expected while the broker boots.
    kafka_logger = logging.getLogger("kafka")
    kafka_logger.addHandler(logging.NullHandler())
    kafka_logger.propagate = False
    default_home = DEFAULT_SECURED_HOME if args.secured else DEFAULT_HOME
    home: Path = (args.home or default_home).resolve()
    try:
        if args.command == "up":
            config = _up_config(args, home)
            if args.brokers < 1:
                raise KafkaToolError("--brokers must be at least 1")
            ports = [
                (config.port + 2 * i, config.controller_port + 2 * i) for i in range(args.brokers)
            ]
            cluster = LocalKafkaCluster(home, ports, libs=config.libs, heap=args.heap, base=config)
            print(cluster.start(timeout=args.timeout))
            if config.secured:
                print(
                    f"client security files (SASL_SSL: USER.toml, mutual TLS on port "
                    f"{config.mtls_port}: USER-mtls.toml): {config.security.directory}",
                    file=sys.stderr,
                )
            return 0
        cluster = LocalKafkaCluster.from_home(home)
        if args.command == "down":
            pids = cluster.running_pids()
            cluster.stop(timeout=args.timeout)
            if not pids:
                print(f"no Kafka broker was running from {home}")
            for node_id, pid in pids.items():
                print(
                    f"stopped Kafka node {node_id}, pid {pid} ({cluster.node(node_id).config.home})"
                )
            return 0
        pids = cluster.running_pids()
        if not pids:
            print(f"not running ({home})")
            return 0
        for node in cluster.nodes:
            node_pid = pids.get(node.node_id)
            state = "stopped" if node_pid is None else f"running: pid {node_pid}"
            print(f"node {node.node_id}: {state}, bootstrap {node.bootstrap} ({node.config.home})")
        if len(pids) == cluster.size and cluster.size > 1:
            problems = cluster.health_problems()
            print("healthy" if not problems else "not healthy: " + "; ".join(problems[:10]))
        return 0
    except KafkaToolError as exc:
        print(f"local_kafka: error: {exc}", file=sys.stderr)
        return 2


def _up_config(args: argparse.Namespace, home: Path) -> BrokerConfig:
    defaults = SECURED_PORTS if args.secured else (9092, 9093, 9094)
    port = args.port if args.port is not None else defaults[0]
    controller_port = args.controller_port if args.controller_port is not None else defaults[1]
    mtls_port = args.mtls_port if args.mtls_port is not None else defaults[2]
    if len({port, controller_port, mtls_port}) < 3:
        raise KafkaToolError("--port, --controller-port and --mtls-port must differ")
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    if args.taskforce is not None:
        from schemas.errors import CorridorError
        from schemas.taskforce import load_taskforce

        try:
            taskforce = load_taskforce(args.taskforce)
        except CorridorError as exc:
            raise KafkaToolError(str(exc)) from exc
        users += [taskforce.hub_id, *(m.agency_id for m in taskforce.members)]
    if (users or args.mtls_port is not None) and not args.secured:
        raise KafkaToolError("--users, --taskforce and --mtls-port need --secured")
    if ADMIN_USER in users:
        raise KafkaToolError(f"{ADMIN_USER!r} is always created; do not list it")
    return BrokerConfig(
        home=home,
        port=port,
        controller_port=controller_port,
        mtls_port=mtls_port,
        libs=args.libs.resolve(),
        secured=args.secured,
        users=tuple(dict.fromkeys(users)),
    )

"""``python deploy/local_prometheus.py up | status | down | install`` (``make monitor``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from prometheus_local.config import PrometheusConfig, parse_targets
from prometheus_local.errors import PrometheusToolError
from prometheus_local.installation import ensure_prometheus
from prometheus_local.layout import (
    DEFAULT_HOME,
    DEFAULT_TARGETS,
    LOOPBACK,
    PACKAGE,
    RULES_FILE,
)
from prometheus_local.server import LocalPrometheus


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="local_prometheus.py",
        description="Run a local Prometheus (Debian's package) scraping a Corridor pipeline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_home(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--home",
            type=Path,
            default=DEFAULT_HOME,
            help="config, data, log, pid file; default: %(default)s",
        )

    up = sub.add_parser("up", help="start (or reload) the server and print its URL")
    add_home(up)
    up.add_argument("--port", type=int, default=9090, help="HTTP port (default %(default)s)")
    up.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="JOB=HOST:PORT",
        help="scrape job (repeatable); default: "
        + ", ".join(f"{job}={','.join(t)}" for job, t in DEFAULT_TARGETS.items()),
    )
    up.add_argument(
        "--scrape-interval", type=float, default=5.0, help="seconds (default %(default)s)"
    )
    up.add_argument(
        "--evaluation-interval", type=float, default=15.0, help="seconds (default %(default)s)"
    )
    up.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for readiness (default 60)"
    )

    down = sub.add_parser("down", help="stop the server of --home")
    add_home(down)
    status = sub.add_parser("status", help="say whether the server of --home is running")
    add_home(status)
    sub.add_parser("install", help="install the package (if needed) and print the binaries")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python deploy/local_prometheus.py``; returns the process exit code."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="local_prometheus: %(message)s")
    try:
        if args.command == "install":
            installation = ensure_prometheus()
            print(f"{PACKAGE} {installation.version()}")
            print(installation.prometheus)
            print(installation.promtool)
            return 0
        if args.command == "up":
            targets = parse_targets(args.target) if args.target else dict(DEFAULT_TARGETS)
            config = PrometheusConfig(
                home=args.home,
                port=args.port,
                targets=targets,
                scrape_interval_s=args.scrape_interval,
                evaluation_interval_s=args.evaluation_interval,
            )
            server = LocalPrometheus(config)
            print(server.start(timeout=args.timeout))
            jobs = ", ".join(f"{job} ({','.join(t)})" for job, t in targets.items())
            print(f"scraping {jobs}; alert rules: {RULES_FILE}", file=sys.stderr)
            print(
                f"targets: {server.url}/classic/targets, alerts: {server.url}/classic/alerts, "
                f"API: {server.url}/api/v1/query?query=up",
                file=sys.stderr,
            )
            return 0
        server = LocalPrometheus(PrometheusConfig(home=args.home))
        if args.command == "down":
            pid = server.stop()
            print(f"stopped Prometheus pid {pid}" if pid else "no Prometheus was running")
            return 0
        pid = server.running_pid()
        if pid is None:
            print(f"not running ({server.config.home})")
        else:
            port = server._running_port(pid)
            print(f"running: pid {pid}, http://{LOOPBACK}:{port} ({server.config.home})")
        return 0
    except PrometheusToolError as exc:
        print(f"local_prometheus: error: {exc}", file=sys.stderr)
        return 2

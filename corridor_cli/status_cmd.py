"""``corridor status``: a live overview of the pipeline in the terminal, read from Prometheus."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from corridor_cli import common, environment
from monitoring.errors import MonitoringError
from monitoring.prometheus_api import PrometheusApi
from monitoring.status.collect import collect
from monitoring.status.queries import parse_window
from monitoring.status.view import render, to_json
from schemas.errors import ConfigError

#: Clear the screen and move to its top left, so each refresh replaces the last.
CLEAR = "\x1b[H\x1b[2J"


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "status",
        help="live overview: components, flow per stage, agencies, quarantine, lag, keys, alerts",
        description="Reads the Prometheus that scrapes the pipeline (`make monitor` starts one) "
        "and redraws every --interval seconds until Ctrl-C. Exit 0 when healthy, 1 when a "
        "component is down or an alert fires (with --once), 3 when Prometheus is unreachable.",
    )
    parser.add_argument(
        "--prometheus",
        default=environment.prometheus(),
        help=f"Prometheus URL (env {environment.CORRIDOR_PROMETHEUS}; default %(default)s)",
    )
    parser.add_argument(
        "--window", default="5m", help="rates and counts over this window (default %(default)s)"
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between refreshes (%(default)s)"
    )
    parser.add_argument("--once", action="store_true", help="print one overview and exit")
    parser.add_argument("--json", action="store_true", help="one JSON overview (implies --once)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the overview once, or redraw it until interrupted."""
    try:
        parse_window(args.window)
    except ValueError as exc:
        raise ConfigError(f"--window: {exc}") from exc
    if args.interval <= 0:
        raise ConfigError("--interval must be positive")
    api = PrometheusApi(args.prometheus)
    if args.once or args.json:
        status = collect(api, args.window)
        print(to_json(status) if args.json else render(status, api.url), end="")
        return common.EXIT_FAILED if status.down or status.firing else common.EXIT_OK
    stop = common.stop_on_signals()
    live = sys.stdout.isatty()
    status = collect(api, args.window)  # unreachable at the start: exit 3 with the fix
    problem = ""
    while True:
        text = render(status, api.url) + problem
        sys.stdout.write((CLEAR if live else "") + text + ("" if live else "\n"))
        sys.stdout.flush()
        if stop.wait(args.interval):
            break
        try:
            status, problem = collect(api, args.window), ""
        except MonitoringError as exc:
            # Keep the last overview on screen and say why it is not refreshed; retry.
            problem = (
                f"\nNOT REFRESHED since {status.taken_at:%H:%M:%S} UTC: {exc} "
                f"(retrying every {args.interval:g} s)\n"
            )
    return common.EXIT_OK

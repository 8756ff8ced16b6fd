"""``corridor incidents export``: the correlated incidents as JSON Lines, verified."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from consumers.incident_log import IncidentLog, export_document
from consumers.topic_reader import read_to_end
from corridor_cli import common
from schemas.truststore import load_trust_store


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("incidents", help="correlated incidents")
    incidents_sub = parser.add_subparsers(
        dest="incidents_command", required=True, metavar="COMMAND"
    )
    export = incidents_sub.add_parser(
        "export",
        help="write incidents as JSON Lines (latest version of each)",
        description="Reads the incidents topic from the beginning to its current end, verifies "
        "the hub's signature on every version and writes the latest version of each incident "
        "(incident_id, version, status, member_keys, agencies, route, shared indicators, "
        "confidence, explanation) as one JSON object per line. Exit 1 if any record failed "
        "verification.",
    )
    export.add_argument("--out", type=Path, help="output file (default stdout)")
    export.add_argument(
        "--all-versions", action="store_true", help="every version in topic order, not the latest"
    )
    export.add_argument(
        "--active-only", action="store_true", help="leave out MERGED and WITHDRAWN incidents"
    )
    export.add_argument(
        "--timeout", type=float, default=60.0, help="give up reading after this many seconds"
    )
    common.add_config_option(export)
    common.add_kafka_options(export)
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Read, verify, fold, write."""
    taskforce = common.taskforce_from(args)
    log = IncidentLog(
        trust_store=load_trust_store(taskforce.trust_store),
        topics=taskforce.topics,
        hub_id=taskforce.hub_id,
    )
    for record in read_to_end(
        args.bootstrap, taskforce.topics.incidents, args.timeout, common.security_from(args)
    ):
        log.add(record.value, list(record.headers or []))
    chosen = log.versions if args.all_versions else [log.latest[i] for i in sorted(log.latest)]
    if args.active_only:
        chosen = [i for i in chosen if i["status"] == "ACTIVE"]
    if args.out is None:
        _write(chosen, sys.stdout)
    else:
        with args.out.open("w", encoding="utf-8") as out:
            _write(chosen, out)
    for problem in log.rejected:
        print(f"corridor: rejected incident record: {problem}", file=sys.stderr)
    active = sum(1 for i in log.latest.values() if i["status"] == "ACTIVE")
    print(
        f"incidents: {len(log.latest)} ({active} active), {len(log.versions)} versions read, "
        f"{len(chosen)} written, {len(log.rejected)} rejected",
        file=sys.stderr,
    )
    return common.EXIT_FAILED if log.rejected else common.EXIT_OK


def _write(incidents: list[dict[str, Any]], out: TextIO) -> None:
    for incident in incidents:
        out.write(json.dumps(export_document(incident), ensure_ascii=False) + "\n")

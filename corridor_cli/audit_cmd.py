"""``corridor audit`` (run the chain writer, verify the chain) and ``corridor trace``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.audit import trace as audit_trace
from consumers.audit.auditor import Auditor
from consumers.audit.chain import hub_key_lookup, load_chain
from consumers.audit.metrics import AuditMetrics
from consumers.audit.settings import AuditorSettings
from corridor_cli import common, trust
from monitoring.health import LoopHealth
from schemas import audit
from schemas.errors import ConfigError
from schemas.keys import load_private_key

logger = logging.getLogger(__name__)

DEFAULT_METRICS_PORT = 9406


def register(sub: Any) -> None:
    """Add ``audit`` and ``trace``."""
    parser = sub.add_parser(
        "audit",
        help="the audit trail: write the hash chain, verify it",
        description="Every life event of an alert and every key-registry change is appended to "
        "<prefix>.audit as a hash chain with hub-signed checkpoints (docs/wire-format.md "
        "section 16).",
    )
    commands = parser.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    run_parser = commands.add_parser(
        "run", help="the chain writer: follow the pipeline's topics, append their events"
    )
    common.add_config_option(run_parser)
    common.add_kafka_options(run_parser)
    common.add_metrics_options(run_parser, default_port=DEFAULT_METRICS_PORT)
    run_parser.add_argument(
        "--hub-key", type=Path, required=True, help="the hub's private key: signs checkpoints"
    )
    run_parser.add_argument(
        "--trust-store", help="trust-store file (default: the task-force file's)"
    )
    run_parser.add_argument(
        "--checkpoint-every",
        type=int,
        default=1000,
        metavar="N",
        help="a signed checkpoint after at most N records (%(default)s)",
    )
    run_parser.add_argument(
        "--checkpoint-interval",
        type=common.parse_duration,
        default="60s",
        metavar="DURATION",
        help="and at least this often while events arrive (%(default)s)",
    )
    run_parser.add_argument(
        "--once",
        action="store_true",
        help="append everything the topics hold now, checkpoint, and exit",
    )
    run_parser.set_defaults(handler=run)

    verify_parser = commands.add_parser(
        "verify", help="check the chain's hashes, links and checkpoint signatures"
    )
    common.add_config_option(verify_parser)
    common.add_kafka_options(verify_parser)
    verify_parser.add_argument(
        "--trust-store",
        help="trust-store file with the hub's keys (default: the task-force file's)",
    )
    _add_topic_option(verify_parser)
    verify_parser.add_argument(
        "--from-offset",
        type=int,
        default=0,
        metavar="N",
        help="start at this offset (its record is trusted as the anchor)",
    )
    verify_parser.add_argument(
        "--expect-seq",
        type=int,
        metavar="N",
        help="a head seq seen before: a chain that ends earlier was truncated",
    )
    verify_parser.add_argument("--json", action="store_true", help="one JSON document")
    verify_parser.set_defaults(handler=verify)

    trace_parser = sub.add_parser(
        "trace",
        help="an alert's whole path, from the audit chain",
        description="Prints every life event of an alert (received, verified, deduplicated, "
        "correlated, delivered, receipted, recalled, replayed) in time order, with UTC times "
        "and the delay since it was received. Does not check the chain: run "
        "`corridor audit verify` for that.",
    )
    trace_parser.add_argument("alert", metavar="ALERT_ID", help="AGENCY:ALERT_ID, or ALERT_ID")
    common.add_kafka_options(trace_parser)
    _add_topic_option(trace_parser)
    trace_parser.add_argument("--json", action="store_true", help="one JSON document")
    trace_parser.set_defaults(handler=trace)


def _add_topic_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--topic", help="the audit topic (default <prefix>.audit; e.g. a copy to examine)"
    )


def run(args: argparse.Namespace) -> int:
    """Append until SIGINT/SIGTERM (or to the topics' current end, with --once)."""
    if args.checkpoint_every < 1:
        raise ConfigError("--checkpoint-every must be at least 1")
    taskforce = common.taskforce_from(args)
    hub_key = load_private_key(args.hub_key)
    registry = CollectorRegistry()
    metrics = AuditMetrics.create(registry)
    health = LoopHealth(registry, ("auditor",))
    common.serve_metrics(args, registry, health)
    stop = common.stop_on_signals()
    with trust.hub_trust(args, taskforce, registry) as keys:
        settings = AuditorSettings(
            bootstrap=args.bootstrap,
            taskforce=taskforce,
            hub_key=hub_key,
            security=common.security_from(args),
            checkpoint_every=args.checkpoint_every,
            checkpoint_interval_s=args.checkpoint_interval.total_seconds(),
        )
        auditor = Auditor(settings, keys, metrics)
        try:
            with common.loop_reported(health, "auditor"):
                auditor.start()
                if args.once:
                    while not auditor.caught_up() and not stop.is_set():
                        auditor.step()
                else:
                    auditor.run(stop)
        finally:
            auditor.close()
        logger.info("audit chain head: seq %d %s", auditor.head.seq, auditor.head.hash)
    return common.EXIT_OK


def _audit_topic(args: argparse.Namespace) -> str:
    return str(args.topic) if args.topic else common.topics_from(args).audit


def verify(args: argparse.Namespace) -> int:
    """Print ``intact: ...`` and exit 0, or the findings and exit 1."""
    taskforce = common.taskforce_from(args)
    topic = args.topic or taskforce.topics.audit
    records = load_chain(args.bootstrap, topic, common.security_from(args), args.from_offset)
    with trust.hub_trust(args, taskforce, CollectorRegistry()) as keys:
        report = audit.verify_chain(
            records,
            hub_key_lookup(keys, taskforce.hub_id),
            from_start=args.from_offset == 0,
            expect_head_seq=args.expect_seq,
        )
    if args.json:
        print(
            json.dumps(
                {
                    "topic": topic,
                    "intact": report.intact,
                    "records": report.records,
                    "checkpoints": report.checkpoints,
                    "head_seq": report.head_seq,
                    "head_hash": report.head_hash,
                    "covered_seq": report.covered_seq,
                    "findings": [f.to_json() for f in report.findings],
                }
            )
        )
    else:
        for finding in report.findings:
            print(f"{finding.severity}: {finding.code}: {finding.detail}")
        verdict = "intact" if report.intact else "NOT INTACT"
        print(
            f"{verdict}: {report.records} records, {report.checkpoints} checkpoints, "
            f"head seq {report.head_seq} {report.head_hash}"
        )
    return common.EXIT_OK if report.intact else common.EXIT_FAILED


def trace(args: argparse.Namespace) -> int:
    """Print the alert's path; exit 1 if no audit record names it."""
    topic = _audit_topic(args)
    records = []
    for _, value in load_chain(args.bootstrap, topic, common.security_from(args)):
        try:
            records.append(audit.parse_record(value))
        except audit.AuditFormatError:
            continue  # `corridor audit verify` reports it
    try:
        alert = audit_trace.resolve_alert(records, args.alert)
    except audit_trace.UnknownAlert as exc:
        print(f"corridor: {exc} (in {topic})", file=sys.stderr)
        return common.EXIT_FAILED
    steps = audit_trace.trace(records, alert)
    if args.json:
        print(json.dumps({"alert": alert, "steps": [s.to_json() for s in steps]}))
    else:
        print(f"alert {alert}")
        for step in steps:
            print(audit_trace.format_step(step))
    return common.EXIT_OK

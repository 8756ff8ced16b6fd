"""``corridor streams worker``: run the Faust stream processors."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from consumers.lag import GroupLagMonitor
from corridor_cli import common, trust
from monitoring.health import LoopHealth
from schemas.errors import ConfigError
from schemas.freshness import FreshnessPolicy
from schemas.keys import load_private_key
from streams.agents import LOOP_SWITCH_INTERVAL_S
from streams.app import create_app, source_topics
from streams.consumer_thread import DEFAULT_FETCH_MAX_WAIT_MS
from streams.correlator import DEFAULT_FULL_WEIGHT_UPTO, DEFAULT_MAX_FANOUT
from streams.heap import DEFAULT_FREEZE_INTERVAL_S
from streams.metrics import StreamMetrics
from streams.sending import request_stop
from streams.settings import DEFAULT_FRESHNESS, StreamSettings
from streams.supervision import AGENTS, AgentSupervision

DAY_S = 24 * 3600.0


logger = logging.getLogger(__name__)


class _Worker(faust.Worker):
    """Faust's worker, telling sends being retried that it is asked to stop.

    Faust waits for the event in hand before it stops; an agent retrying a send
    would keep it waiting for ever (it then exits without committing that record).
    """

    async def stop(self) -> None:
        request_stop()
        await super().stop()


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("streams", help="the hub's stream processors (Faust)")
    streams_sub = parser.add_subparsers(dest="streams_command", required=True, metavar="COMMAND")
    worker = streams_sub.add_parser(
        "worker",
        help="run a verification/deduplication worker",
        description="Verifies with the task-force file's trust store, or, when the file names "
        "registry_roots, with the signed key registry on <prefix>.keys, followed live.",
    )
    common.add_config_option(worker)
    common.add_kafka_options(worker)
    common.add_metrics_options(worker, default_port=9401)
    # No static membership for the Faust worker: a restarted static member was seen to
    # stay without partitions (aiokafka 0.14); the short session timeout is enough.
    common.add_group_options(worker, static=False)
    worker.add_argument("--web-port", type=int, default=6066, help="Faust web port (health)")
    worker.add_argument("--data-dir", default=".local/streams", help="Faust data directory")
    worker.add_argument("--app-id", default="corridor-streams", help="Faust application id")
    worker.add_argument(
        "--hub-key",
        type=Path,
        required=True,
        help="the hub's private signing key (signs incidents; its public key must be in the "
        "trust store under the config's hub id)",
    )
    worker.add_argument(
        "--store",
        default="memory://",
        help="table store: memory:// (default; state rebuilt from changelogs at start) or "
        "rocksdb:// (on disk under --data-dir, via the rocksdict binding)",
    )
    worker.add_argument(
        "--dedupe-retention-days",
        type=float,
        default=30.0,
        help="how long deduplication remembers an alert's highest revision (event time)",
    )
    worker.add_argument(
        "--max-message-age",
        type=float,
        default=DEFAULT_FRESHNESS.max_age_s,
        help="seconds: an alert signed longer before it reached its inbound topic is "
        "quarantined as stale_message; record digests for replay detection are kept this "
        "long plus --max-clock-skew (default %(default).0f)",
    )
    worker.add_argument(
        "--max-clock-skew",
        type=float,
        default=DEFAULT_FRESHNESS.max_skew_s,
        help="seconds an originator's clock may run ahead before its alerts are quarantined "
        "as future_message (default %(default).0f)",
    )
    worker.add_argument(
        "--correlation-retention-days",
        type=float,
        default=30.0,
        help="alerts observed longer ago than this leave correlation",
    )
    worker.add_argument(
        "--max-fanout",
        type=int,
        default=DEFAULT_MAX_FANOUT,
        help="a value shared by more alerts than this is common and links nothing",
    )
    worker.add_argument(
        "--full-weight-upto",
        type=int,
        default=DEFAULT_FULL_WEIGHT_UPTO,
        help="a value counts fully while at most this many alerts share it; beyond, its "
        "weight falls in proportion",
    )
    worker.add_argument(
        "--incident-coalesce-ms",
        type=float,
        default=200.0,
        help="the correlator gathers alerts this long (or --correlation-batch of them) and "
        "publishes each incident they changed once (default %(default).0f)",
    )
    worker.add_argument(
        "--correlation-batch",
        type=int,
        default=500,
        help="at most this many alerts are correlated together (default %(default)s)",
    )
    worker.add_argument(
        "--stage-batch",
        type=int,
        default=500,
        help="verify and dedupe take at most this many records together, send their "
        "outputs at once and wait for all acknowledgements (default %(default)s)",
    )
    worker.add_argument(
        "--stage-batch-ms",
        type=float,
        default=50.0,
        help="verify and dedupe gather records this long at most before deciding "
        "(default %(default).0f)",
    )
    worker.add_argument(
        "--incident-size-warning",
        type=int,
        default=200,
        help="an incident version with more members is counted and logged as a warning "
        "(default %(default)s)",
    )
    worker.add_argument(
        "--fetch-max-wait-ms",
        type=int,
        default=DEFAULT_FETCH_MAX_WAIT_MS,
        help="how long the broker may hold a fetch of the worker when none of its "
        "partitions has new records (default %(default)s; Faust's own 1,500 stalled "
        "partitions whose records had just been consumed)",
    )
    worker.add_argument(
        "--gc-freeze-interval",
        type=float,
        default=DEFAULT_FREEZE_INTERVAL_S,
        help="seconds between freezes of the objects that survived garbage collection, "
        "which keeps full collections (pauses of the whole worker) short; 0: never "
        "(default %(default)g)",
    )
    worker.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Start the worker in this process; returns when it is stopped (SIGINT/SIGTERM)."""
    taskforce = common.taskforce_from(args)
    registry = CollectorRegistry()
    metrics = StreamMetrics.create(registry)
    if args.store not in ("memory://", "rocksdb://"):
        raise ConfigError(f"--store must be memory:// or rocksdb://, not {args.store!r}")
    for option in (
        "dedupe_retention_days",
        "correlation_retention_days",
        "max_fanout",
        "full_weight_upto",
        "max_message_age",
        "max_clock_skew",
        "incident_coalesce_ms",
        "correlation_batch",
        "stage_batch",
        "stage_batch_ms",
        "incident_size_warning",
        "fetch_max_wait_ms",
    ):
        if getattr(args, option) <= 0:
            raise ConfigError(f"--{option.replace('_', '-')} must be positive")
    if args.gc_freeze_interval < 0:
        raise ConfigError("--gc-freeze-interval must be 0 (never) or positive")
    settings = StreamSettings(
        bootstrap=args.bootstrap,
        taskforce=taskforce,
        hub_key=load_private_key(args.hub_key),
        store=args.store,
        dedupe_retention_s=args.dedupe_retention_days * DAY_S,
        freshness=FreshnessPolicy(max_age_s=args.max_message_age, max_skew_s=args.max_clock_skew),
        correlation_retention_s=args.correlation_retention_days * DAY_S,
        correlation_max_fanout=args.max_fanout,
        correlation_full_weight_upto=args.full_weight_upto,
        correlation_batch=args.correlation_batch,
        incident_coalesce_s=args.incident_coalesce_ms / 1000.0,
        stage_batch=args.stage_batch,
        stage_batch_s=args.stage_batch_ms / 1000.0,
        incident_size_warning=args.incident_size_warning,
        gc_freeze_interval_s=args.gc_freeze_interval,
        fetch_max_wait_ms=args.fetch_max_wait_ms,
        app_id=args.app_id,
        data_dir=args.data_dir,
        web_port=args.web_port,
        security=common.security_from(args),
        membership=common.membership_from(args),
    )
    health = LoopHealth(registry, AGENTS)

    def exit_now(_exc: BaseException) -> None:
        # Not a clean stop: Faust commits the offsets of acknowledged events when it
        # stops, and the event the agent died on counts as acknowledged, although its
        # output was never sent. Exiting at once leaves it uncommitted: the restarted
        # worker reads it again (at least once), and a record that always fails shows
        # as a process that keeps exiting 1, never as a silent gap.
        logging.shutdown()
        os._exit(common.EXIT_FAILED)

    supervision = AgentSupervision(health, exit_now)
    # The correlate agent links in a thread (streams.agents.Correlate) while the event loop
    # serves the other stages; each time the loop comes back from a socket wait it must
    # win the interpreter lock back, which by default the thread keeps for up to 5 ms.
    sys.setswitchinterval(LOOP_SWITCH_INTERVAL_S)
    with trust.hub_trust(args, taskforce, registry) as keys:
        common.serve_metrics(args, registry, health)
        app = create_app(settings, keys, metrics, supervision)
        logger.info(
            "streams worker %s: verifying the inbound topics of %d agencies",
            settings.app_id,
            len(taskforce.publishers),
        )
        lag = GroupLagMonitor(
            settings.bootstrap,
            settings.app_id,
            source_topics(settings),
            metrics.lag,
            security=settings.security,
        )
        lag.start()
        # Our logging (text or JSON, see corridor_cli/logs.py) stays in place: Faust's own
        # set-up would replace it with its text format.
        worker = _Worker(app, quiet=True, redirect_stdouts=False, override_logging=False)
        worker.spinner = None  # its cursor escapes would break one-JSON-object-a-line logs
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            return int(exc.code or 0)
        finally:
            lag.close()
    return common.EXIT_OK

"""Options of the pipeline bench and the order of its measurements.

For each data set (``--dataset``): a *burst* run (``--alerts`` N published at once)
and a *steady* run (``--rate`` alerts/s for ``--duration`` s) through fresh hub
processes (``--workers`` streams workers sharing one group, one delivery service);
then, on the burst's records, a bare kafka-python round trip and a bare Faust hop
awaiting its acknowledgements per event and per batch; then the in-process rates.
Without ``--bootstrap`` (or ``KAFKA_BOOTSTRAP``) the bench starts its own cluster of
``--brokers`` nodes on free ports in a temporary directory and stops it at the end; every
topic gets three copies (one per broker when there are fewer), two of which must have a
write, through the task-force file's ``[kafka]`` table. The broker CPU figures are the
sum over the cluster's brokers.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.pipeline.baselines import FAUST_ACKS, measure_bare_faust, measure_bare_kafka
from bench.pipeline.cpu import Profiler, listening_pid
from bench.pipeline.datasets import DATASETS, alert_data, sign_all
from bench.pipeline.hub_runs import Load, run_hub
from bench.pipeline.micro import measure_micro
from bench.pipeline.report import DatasetReport, print_dataset, summary_json
from bench.pipeline.results import rate
from bench.pipeline.targets import target_lines
from schemas.replication import Replication
from throwaway_deployment import Deployment, kafka_broker, make_deployment, replication_for

log = logging.getLogger("bench")

WARM_ALERTS = 10
"""Alerts published before each timed window (unmeasured), ahead of the measured ones."""
MICRO_ALERTS = 1000
MODES = ("burst", "steady")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description="Throughput, latency and CPU per alert of the Corridor pipeline, "
        "against bare Kafka and bare Faust.",
    )
    parser.add_argument(
        "--alerts", type=int, default=20_000, help="burst: alerts published at once (%(default)s)"
    )
    parser.add_argument(
        "--rate", type=float, default=200.0, help="steady: offered alerts/s (%(default)s)"
    )
    parser.add_argument(
        "--duration", type=float, default=60.0, help="steady: seconds of offered load (%(default)s)"
    )
    parser.add_argument("--dataset", choices=(*DATASETS, "both"), default="both")
    parser.add_argument("--mode", choices=(*MODES, "both"), default="both")
    parser.add_argument(
        "--workers", type=int, choices=(1, 2), default=1, help="streams worker processes (1)"
    )
    parser.add_argument(
        "--worker-option",
        action="append",
        default=[],
        metavar="OPTION",
        help="an option for every streams worker, to compare settings "
        "(e.g. --worker-option=--stage-batch-ms=20; repeat for more)",
    )
    parser.add_argument("--agencies", type=int, default=5, help="publishing agencies (5)")
    parser.add_argument("--recipients", type=int, default=5, help="inbox recipients (5)")
    parser.add_argument("--seed", type=int, default=7, help="corridor simulate seed (7)")
    parser.add_argument(
        "--no-baselines", action="store_true", help="skip the bare Kafka and Faust runs"
    )
    parser.add_argument(
        "--no-micro",
        action="store_true",
        help="skip the in-process rates (minutes on the worst-case data set)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record each hub process with py-spy during the timed window, files into DIR",
    )
    parser.add_argument(
        "--profile-format",
        choices=("flamegraph", "speedscope"),
        default="flamegraph",
        help="py-spy output: flame graph SVG or speedscope JSON (flamegraph)",
    )
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP") or None,
        help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP); default: start a broker",
    )
    parser.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="Kafka brokers the bench starts, and the cluster size topics are replicated for "
        "(with --bootstrap: the size of that cluster) (%(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="also print a JSON summary line")
    parser.add_argument(
        "--keep-work-dir", action="store_true", help="keep the temp dir (service logs, broker)"
    )
    args = parser.parse_args(argv)
    for name in ("alerts", "agencies", "recipients", "brokers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.agencies > 99 or args.recipients > 99:
        parser.error("at most 99 agencies and 99 recipients")
    if args.rate <= 0 or args.duration <= 0:
        parser.error("--rate and --duration must be positive")
    if args.profile is not None and Profiler.executable() is None:
        parser.error("--profile needs py-spy: pip install py-spy (make install does)")
    return args


def quiet_logging() -> None:
    """Bench progress on stderr; kafka-python's connection chatter silenced."""
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s", stream=sys.stderr)
    logging.getLogger("kafka").setLevel(logging.CRITICAL)


def _replication(args: argparse.Namespace) -> Replication | None:
    """The ``[kafka]`` table of the bench's task forces; None (no table) for one broker."""
    return replication_for(args.brokers) if args.brokers > 1 else None


def _deployment(work_dir: Path, prefix: str, args: argparse.Namespace) -> Deployment:
    publishers = [f"PUB-{i:02d}" for i in range(1, args.agencies + 1)]
    recipients = [f"RCV-{i:02d}" for i in range(1, args.recipients + 1)]
    return make_deployment(
        work_dir / prefix, prefix, publishers, recipients, replication=_replication(args)
    )


def run_dataset(
    dataset: str,
    args: argparse.Namespace,
    bootstrap: str,
    broker_pids: tuple[int, ...],
    work_dir: Path,
    base: str,
    profiler: Profiler | None,
) -> DatasetReport:
    """Every measurement on one data set."""
    report = DatasetReport(dataset)
    modes = MODES if args.mode == "both" else (args.mode,)
    steady_count = max(1, round(args.rate * args.duration))
    counts = {"burst": args.alerts, "steady": steady_count}
    largest = max(counts[m] for m in modes)
    first = _deployment(work_dir, f"{base}-{dataset[0]}", args)
    log.info("%s: generating %d alerts", dataset, WARM_ALERTS + largest)
    data = alert_data(dataset, first, WARM_ALERTS + largest, work_dir, args.seed)
    burst_records = []
    for mode in modes:
        deployment = _deployment(work_dir, f"{base}-{dataset[0]}{mode[0]}", args)
        count = counts[mode]
        started = time.perf_counter()
        warm = sign_all(deployment, data[:WARM_ALERTS])
        records = sign_all(deployment, data[WARM_ALERTS : WARM_ALERTS + count])
        log.info(
            "%s %s: %d alerts signed (%.0f/s); hub with %d worker(s), topic prefix %s",
            dataset,
            mode,
            count,
            rate(count, time.perf_counter() - started),
            args.workers,
            deployment.prefix,
        )
        load = Load(mode, args.rate if mode == "steady" else math.nan)
        name = f"pipeline {args.workers}w {mode}"
        report.hub.append(
            run_hub(
                name,
                bootstrap,
                broker_pids,
                deployment,
                warm,
                records,
                load,
                args.workers,
                profiler,
                args.worker_option,
            )
        )
        if mode == "burst":
            burst_records = records
        s = report.hub[-1][0].summary()
        log.info("%s %s: %s", dataset, mode, s)
    if burst_records and not args.no_baselines:
        replication = _replication(args) or Replication()
        log.info("%s: bare kafka-python round trip", dataset)
        report.baselines.append(
            measure_bare_kafka(
                bootstrap, f"{base}-{dataset[0]}", burst_records, broker_pids, replication
            )
        )
        for acks in FAUST_ACKS:
            log.info("%s: bare Faust hop, acks awaited %s", dataset, acks)
            report.baselines.append(
                measure_bare_faust(
                    bootstrap,
                    f"{base}-{dataset[0]}",
                    burst_records,
                    work_dir,
                    broker_pids,
                    replication,
                    acks,
                )
            )
    if not args.no_micro:
        log.info("%s: in-process rates over %d alerts", dataset, min(MICRO_ALERTS, len(data)))
        report.micro = measure_micro(dataset, first, data[:MICRO_ALERTS])
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the report; returns the exit code."""
    args = parse_args(argv)
    quiet_logging()
    base = f"bench-{uuid.uuid4().hex[:8]}"
    work_dir = Path(tempfile.mkdtemp(prefix=f"{base}-"))
    datasets = DATASETS if args.dataset == "both" else (args.dataset,)
    profiler = Profiler(args.profile, args.profile_format) if args.profile else None
    reports: list[DatasetReport] = []
    try:
        with kafka_broker(args.bootstrap, work_dir / "kafka", args.brokers) as (
            bootstrap,
            broker_pids,
        ):
            if not broker_pids:
                external = listening_pid(bootstrap)
                broker_pids = (external,) if external is not None else ()
            log.info("brokers %s (pids %s); work dir %s", bootstrap, broker_pids, work_dir)
            for dataset in datasets:
                reports.append(
                    run_dataset(dataset, args, bootstrap, broker_pids, work_dir, base, profiler)
                )
        brokers = f"{args.brokers} broker{'s' if args.brokers > 1 else ''}"
        where = f"{brokers} started by the bench" if args.bootstrap is None else "external broker"
        print(
            f"\nCorridor pipeline bench: burst N={args.alerts}, steady {args.rate:g}/s for "
            f"{args.duration:g} s; {args.agencies} publishing agencies, {args.recipients} "
            f"recipients (1 inbox watched); {args.workers} streams worker(s); {where}; "
            f"{os.cpu_count()} CPUs"
            + (f"; worker options {' '.join(args.worker_option)}" if args.worker_option else ""),
        )
        for report in reports:
            print_dataset(report, sys.stdout)
        targets = target_lines(reports)
        if targets:
            print("\nissue 14 targets:\n" + "\n".join(targets))
        summary: dict[str, Any] = summary_json(reports)
        if args.json:
            print(json.dumps(summary), flush=True)
        runs = [r for report in reports for r, _ in report.hub]
        runs += [r for report in reports for r in report.baselines]
        complete = all(r.received == r.expected and not r.failed_sends for r in runs)
        return 0 if complete else 1
    finally:
        if args.keep_work_dir:
            log.info("kept %s", work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

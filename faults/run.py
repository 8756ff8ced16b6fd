"""Run fault cases and print the matrix: ``python -m faults.run [--case NAME ...]``.

Without ``--bootstrap`` (or KAFKA_BOOTSTRAP) it starts throw-away brokers of its own
on free ports and stops them at the end: one node for the process cases, a three-node
cluster for the broker cases (``--brokers`` overrides the size for process cases).
Broker cases need that cluster of its own: they kill its nodes. ``--keep-broker`` leaves
a cluster running when a case on it failed, so that its topics can be read for a
post-mortem. Exit 0 when every case
passed (nothing lost, doubled or spuriously quarantined; incidents converged; every
fault recovered; publishers failed loudly in every outage); 2 on a bad choice.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from faults.cases import FaultCase, cases
from faults.matrix import DEFAULT_RATE, CaseReport, CaseSettings, run_case
from faults.report import problems, recoveries, table
from kafka_local.cluster import LocalKafkaCluster

CLUSTER_START_S = 180.0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    names = sorted(cases())
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--case",
        action="append",
        choices=names,
        help="a case to run (repeatable; default all: " + ", ".join(names) + ")",
    )
    parser.add_argument("--seed", type=int, default=1, help="workload and fault moments")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="shorten the cases (0.2: a fifth of the faults)"
    )
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="alerts per second")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP"))
    parser.add_argument(
        "--brokers",
        type=int,
        help="nodes of the cluster process cases run on (default 1; broker cases: 3 or more)",
    )
    parser.add_argument("--workdir", type=Path, help="where cases keep logs and stores")
    parser.add_argument(
        "--session-timeout", type=float, help="passed to the hub's services (default theirs)"
    )
    parser.add_argument(
        "--keep-broker",
        action="store_true",
        help="leave the throw-away brokers running when a case on them failed (topics stay)",
    )
    return parser.parse_args(argv)


def _size(case: FaultCase, brokers: int | None) -> int:
    """Nodes of the cluster ``case`` runs on."""
    return max(case.brokers, brokers or 1) if case.brokers > 1 else (brokers or 1)


@contextlib.contextmanager
def _cluster(home: Path, brokers: int, keep: list[bool]) -> Iterator[LocalKafkaCluster]:
    """A cluster for a group of cases, stopped after them unless ``keep[0]`` was set."""
    cluster = LocalKafkaCluster.on_free_ports(home, brokers)
    try:
        cluster.start(timeout=CLUSTER_START_S)
        yield cluster
    finally:
        if keep[0]:
            print(
                f"brokers kept for a post-mortem at {cluster.bootstrap}; stop them with "
                f"`python deploy/local_kafka.py down --home {home}`",
                flush=True,
            )
        else:
            cluster.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the chosen cases; print the table, each fault's recovery and any problem."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The publisher's client logs every lost connection of a broker case; its outcomes are
    # what counts, and the publisher records those itself.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    chosen = cases(args.scale)
    names = args.case or sorted(chosen)
    if args.bootstrap and any(chosen[n].brokers > 1 for n in names):
        print(
            "broker cases kill the brokers of a cluster the harness starts itself: "
            "run them without --bootstrap / KAFKA_BOOTSTRAP",
            file=sys.stderr,
        )
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="corridor-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    reports: list[CaseReport] = []
    sizes = sorted({_size(chosen[n], args.brokers) for n in names})
    for size in sizes:
        group = [n for n in names if _size(chosen[n], args.brokers) == size]
        keep = [False]
        with contextlib.ExitStack() as stack:
            cluster = None
            bootstrap = args.bootstrap
            if not bootstrap:
                cluster = stack.enter_context(_cluster(workdir / f"kafka-{size}", size, keep))
                bootstrap = cluster.bootstrap
            for name in group:
                settings = CaseSettings(
                    bootstrap=bootstrap,
                    workdir=workdir,
                    seed=args.seed,
                    rate=args.rate,
                    session_timeout_s=args.session_timeout,
                    cluster=cluster,
                )
                print(f"running {name} ({size} broker(s)): {chosen[name].summary}", flush=True)
                try:
                    report = run_case(chosen[name], settings)
                except AssertionError as exc:  # a wait timed out: no report for this case
                    keep[0] = args.keep_broker
                    _summary(reports, workdir)
                    print(f"{name} did not finish: {exc}", flush=True)
                    raise
                reports.append(report)
                print(recoveries(report), flush=True)
                if not report.passed:
                    keep[0] = args.keep_broker
                    print(f"{name}: topics {report.directory.name}.* on {bootstrap}", flush=True)
    _summary(reports, workdir)
    return 0 if all(r.passed for r in reports) else 1


def _summary(reports: list[CaseReport], workdir: Path) -> None:
    """The table of the finished cases, their problems, and where the logs are."""
    print()
    print(table(reports))
    for report in reports:
        for line in problems(report):
            print(line)
    print(f"\nlogs and stores: {workdir}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""Run fault cases and print the matrix: ``python -m faults.run [--case NAME ...]``.

Without ``--bootstrap`` (or KAFKA_BOOTSTRAP) it starts a throw-away broker of its
own on free ports and stops it at the end (``--keep-broker``: not when a case failed, so
that its topics can be read for a post-mortem). Exit 0 when every case passed (nothing
lost, doubled or spuriously quarantined; incidents converged; every fault recovered).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from faults.cases import cases
from faults.matrix import DEFAULT_RATE, CaseReport, CaseSettings, run_case
from faults.report import problems, recoveries, table
from kafka_local.cluster import LocalKafkaCluster


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
    parser.add_argument("--workdir", type=Path, help="where cases keep logs and stores")
    parser.add_argument(
        "--session-timeout", type=float, help="passed to the hub's services (default theirs)"
    )
    parser.add_argument(
        "--keep-broker",
        action="store_true",
        help="leave the throw-away broker running when a case failed (its topics stay)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen cases; print the table, each fault's recovery and any problem."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="corridor-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = cases(args.scale)
    own = None if args.bootstrap else LocalKafkaCluster.on_free_ports(workdir / "kafka", 1)
    bootstrap: str = args.bootstrap or ""
    reports: list[CaseReport] = []
    passed = False
    try:
        if own is not None:
            bootstrap = own.start(timeout=120.0)
        for name in args.case or sorted(chosen):
            settings = CaseSettings(
                bootstrap=bootstrap,
                workdir=workdir,
                seed=args.seed,
                rate=args.rate,
                session_timeout_s=args.session_timeout,
            )
            print(f"running {name}: {chosen[name].summary}", flush=True)
            report = run_case(chosen[name], settings)
            reports.append(report)
            print(recoveries(report), flush=True)
        passed = all(r.passed for r in reports)
    finally:
        if own is not None and (passed or not args.keep_broker):
            own.stop()
    print()
    print(table(reports))
    for report in reports:
        for line in problems(report):
            print(line)
        if not report.passed:
            print(f"{report.case}: topics {report.directory.name}.* on {bootstrap}")
    if own is not None and not passed and args.keep_broker:
        print(
            f"\nbroker kept for a post-mortem at {bootstrap}; stop it with "
            f"`python deploy/local_kafka.py down --home {own.home}`"
        )
    print(f"\nlogs and stores: {workdir}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

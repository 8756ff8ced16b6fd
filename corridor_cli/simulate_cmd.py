"""``corridor simulate``: write a labelled, seeded correlation scenario as alerts files."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from corridor_cli import common
from producers.errors import InputError
from producers.simulation import (
    DEFAULT_AGENCIES,
    DEFAULT_START,
    LABELS_FILE,
    Scenario,
    simulate,
)
from schemas.json_mapping import format_timestamp


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "simulate",
        help="write a labelled, seeded correlation scenario",
        description="Generate operations reported by several agencies, plus decoys, "
        "duplicates and revisions. Writes OUT/alerts-<AGENCY>.jsonl (for corridor publish) "
        "and OUT/labels.json (which alerts report the same operation). The same arguments "
        "always give the same files.",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default %(default)s)")
    parser.add_argument(
        "--difficulty",
        type=float,
        default=0.5,
        help="0.0 (careful) .. 1.0 (a bad week); docs/correlation.md, Reporting model "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--operations", type=int, default=40, help="operations to invent (default %(default)s)"
    )
    parser.add_argument(
        "--decoys", type=int, default=60, help="unrelated alerts to add (default %(default)s)"
    )
    parser.add_argument(
        "--agencies",
        default=",".join(DEFAULT_AGENCIES),
        help="comma-separated agency ids, at least 2 (default: the local task force)",
    )
    parser.add_argument(
        "--start",
        default=format_timestamp(DEFAULT_START),
        help="start of the scenario's month, RFC 3339 with offset (default %(default)s)",
    )
    parser.add_argument("--out", required=True, type=Path, help="directory to write to")
    parser.add_argument("--force", action="store_true", help="replace a scenario already in --out")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Generate, write the files and print a summary."""
    scenario = _scenario(args)
    out: Path = args.out
    _prepare(out, args.force)
    try:
        scenario.write(out)
    except OSError as exc:
        raise InputError(f"cannot write the scenario to {out}: {exc}") from exc
    print(summary(scenario, out))
    return common.EXIT_OK


def _scenario(args: argparse.Namespace) -> Scenario:
    if not 0.0 <= args.difficulty <= 1.0:
        raise InputError(f"--difficulty must lie in 0.0 .. 1.0, not {args.difficulty}")
    if args.operations < 0 or args.decoys < 0:
        raise InputError("--operations and --decoys must not be negative")
    agencies = [a.strip() for a in args.agencies.split(",") if a.strip()]
    if len(set(agencies)) < 2:
        raise InputError("--agencies needs at least 2 distinct agency ids, e.g. PK-FIA,TR-SG")
    try:
        start = dt.datetime.fromisoformat(args.start)
    except ValueError as exc:
        raise InputError(f"--start {args.start!r} is not an RFC 3339 timestamp") from exc
    try:
        return simulate(
            args.seed,
            difficulty=args.difficulty,
            operations=args.operations,
            decoys=args.decoys,
            agencies=agencies,
            start=start,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _prepare(out: Path, force: bool) -> None:
    """Create ``out``; refuse to mix with an earlier scenario unless forced."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    earlier = sorted(out.glob("alerts-*.jsonl")) + sorted(out.glob(LABELS_FILE))
    if earlier and not force:
        raise InputError(f"{out} already holds a scenario; pass --force to replace it")
    try:
        for path in earlier:
            path.unlink()
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot prepare {out}: {exc}") from exc


def summary(scenario: Scenario, out: Path) -> str:
    """One paragraph on what was written."""
    stats = scenario.stats()
    agencies = ", ".join(f"{agency} {count}" for agency, count in stats.per_agency if count)
    return (
        f"Scenario seed {scenario.seed}, difficulty {scenario.difficulty:.2f}: "
        f"{stats.records} alert lines for {stats.alerts} distinct alerts; "
        f"{stats.operations} operations reported in {stats.operation_alerts} alerts, "
        f"{stats.decoys} decoys; {stats.duplicates} duplicates, {stats.revisions} revisions, "
        f"{stats.stale} stale re-sends. Lines per agency: {agencies}. "
        f"Written to {out}/alerts-<AGENCY>.jsonl and {out}/{LABELS_FILE}."
    )

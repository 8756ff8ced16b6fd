"""``corridor schemas check OLD NEW``: is NEW a compatible evolution of OLD (Avro's rules)?"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from corridor_cli import common
from schemas import evolution
from schemas.fingerprint import fingerprint


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("schemas", help="the contract's Avro schemas: evolution checks")
    actions = parser.add_subparsers(dest="schemas_command", required=True, metavar="COMMAND")
    check = actions.add_parser(
        "check",
        help="check that NEW is a compatible evolution of OLD",
        description="Avro schema resolution (the avro package's ReaderWriterCompatibility"
        "Checker): BACKWARD = a NEW reader decodes OLD data, FORWARD = an OLD reader decodes "
        "NEW data, FULL = both. Exit 0 compatible, 1 incompatible (each reason printed), 2 a "
        "file is missing or not an Avro schema. See docs/wire-format.md section 14.1.",
    )
    check.add_argument("old", type=Path, help="the published schema file (.avsc)")
    check.add_argument("new", type=Path, help="the candidate schema file (.avsc)")
    check.add_argument(
        "--compatibility",
        type=str.upper,
        choices=evolution.MODES,
        help="BACKWARD, FORWARD or FULL (default: what NEW claims with corridor.compatibility, "
        "else FULL)",
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Print the verdict, and every incompatibility."""
    old = evolution.load_schema_file(args.old)
    new = evolution.load_schema_file(args.new)
    claim = new.claim
    mode = args.compatibility or (claim[1] if claim is not None else evolution.FULL)
    problems = evolution.check(old.schema, new.schema, mode)
    old_fp = fingerprint(args.old.read_text("utf-8")).hex()
    new_fp = fingerprint(args.new.read_text("utf-8")).hex()
    if old_fp == new_fp:
        print(f"note: same fingerprint {new_fp}: not a new version (docs/wire-format.md 14)")
    names = f"{old.schema.fullname} ({old_fp}) -> {new.schema.fullname} ({new_fp})"
    if not problems:
        print(f"compatible ({mode}): {names}")
        return common.EXIT_OK
    print(f"INCOMPATIBLE ({mode}): {names}")
    for problem in problems:
        print(f"  {problem.describe()}")
    return common.EXIT_FAILED

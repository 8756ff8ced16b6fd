"""``corridor keys``: generate an agency's signing key, list the trust store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemas.errors import TrustStoreError
from schemas.json_mapping import format_timestamp
from schemas.keys import (
    generate_private_key,
    key_id,
    write_private_key,
    write_public_key,
)
from schemas.truststore import TrustStore, load_trust_store, save_trust_store
from schemas.validation import is_agency_id


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser("keys", help="agency signing keys and the trust store")
    keys_sub = parser.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")

    generate = keys_sub.add_parser(
        "generate",
        help="create an Ed25519 signing key for an agency",
        description="Writes AGENCY.key (private, mode 0600) and AGENCY.pub into --out-dir and, "
        "with --trust-store, registers the public key there.",
    )
    generate.add_argument("--agency", required=True, help="agency id, e.g. PK-FIA")
    generate.add_argument("--name", help="agency's name for the trust store")
    generate.add_argument("--out-dir", type=Path, default=Path(), help="where to write the keys")
    generate.add_argument("--trust-store", type=Path, help="trust store file to add the key to")
    generate.add_argument("--force", action="store_true", help="overwrite an existing key file")
    generate.set_defaults(handler=run_generate)

    listing = keys_sub.add_parser("list", help="list the keys in a trust store")
    listing.add_argument("--trust-store", type=Path, required=True, help="trust store file")
    listing.set_defaults(handler=run_list)


def run_generate(args: argparse.Namespace) -> int:
    """Generate, write, optionally register."""
    if not is_agency_id(args.agency):
        raise TrustStoreError(f"{args.agency!r} is not an agency id like PK-FIA")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    key = generate_private_key()
    private_path = args.out_dir / f"{args.agency}.key"
    public_path = args.out_dir / f"{args.agency}.pub"
    write_private_key(private_path, key, overwrite=args.force)
    write_public_key(public_path, key.public_key())
    kid = key_id(key.public_key())
    print(f"key {kid} for {args.agency}: private {private_path} (0600), public {public_path}")
    if args.trust_store is not None:
        store = (
            load_trust_store(args.trust_store)
            if args.trust_store.exists()
            else TrustStore(agencies={})
        )
        store = store.with_key(args.agency, args.name or args.agency, key.public_key())
        save_trust_store(args.trust_store, store)
        print(f"registered key {kid} for {args.agency} in {args.trust_store}")
    return 0


def _when(value: Any) -> str:
    return "-" if value is None else format_timestamp(value)


def run_list(args: argparse.Namespace) -> int:
    """Print one line per key."""
    store = load_trust_store(args.trust_store)
    print(f"{'AGENCY':<14} {'KEY ID':<17} {'STATUS':<8} {'VALID FROM':<25} VALID UNTIL")
    for agency in sorted(store.agencies.values(), key=lambda a: a.agency_id):
        for key in agency.keys.values():
            print(
                f"{agency.agency_id:<14} {key.key_id:<17} {key.status:<8} "
                f"{_when(key.valid_from):<25} {_when(key.valid_until)}"
            )
    return 0

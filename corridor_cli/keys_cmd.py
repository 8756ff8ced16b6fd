"""``corridor keys``: generate an agency's signing and encryption keys, list the trust store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from schemas.errors import TrustStoreError
from schemas.json_mapping import format_timestamp
from schemas.keys import (
    encryption_key_id,
    generate_encryption_key,
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
        help="create an agency's Ed25519 signing key and X25519 encryption key",
        description="Writes AGENCY.key (private signing key, mode 0600), AGENCY.pub, "
        "AGENCY.x25519.key (private decryption key for personal data, mode 0600) and "
        "AGENCY.x25519.pub into --out-dir and, with --trust-store, registers both public "
        "keys there.",
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
    decryption = generate_encryption_key()
    decryption_path = args.out_dir / f"{args.agency}.x25519.key"
    encryption_path = args.out_dir / f"{args.agency}.x25519.pub"
    write_private_key(private_path, key, overwrite=args.force)
    write_private_key(decryption_path, decryption, overwrite=args.force)
    write_public_key(public_path, key.public_key())
    write_public_key(encryption_path, decryption.public_key())
    kid = key_id(key.public_key())
    eid = encryption_key_id(decryption.public_key())
    print(f"key {kid} for {args.agency}: private {private_path} (0600), public {public_path}")
    print(
        f"encryption key {eid} for {args.agency}: private {decryption_path} (0600), "
        f"public {encryption_path}"
    )
    if args.trust_store is not None:
        store = (
            load_trust_store(args.trust_store)
            if args.trust_store.exists()
            else TrustStore(agencies={})
        )
        name = args.name or args.agency
        store = store.with_key(args.agency, name, key.public_key())
        store = store.with_encryption_key(args.agency, name, decryption.public_key())
        save_trust_store(args.trust_store, store)
        print(f"registered keys {kid} and {eid} for {args.agency} in {args.trust_store}")
    return 0


def _when(value: Any) -> str:
    return "-" if value is None else format_timestamp(value)


def run_list(args: argparse.Namespace) -> int:
    """Print one line per key."""
    store = load_trust_store(args.trust_store)
    print(f"{'AGENCY':<14} {'KEY ID':<17} {'USE':<8} {'STATUS':<8} {'VALID FROM':<25} VALID UNTIL")
    for agency in sorted(store.agencies.values(), key=lambda a: a.agency_id):
        for key in agency.keys.values():
            print(
                f"{agency.agency_id:<14} {key.key_id:<17} {'sign':<8} {key.status:<8} "
                f"{_when(key.valid_from):<25} {_when(key.valid_until)}"
            )
        for enc in agency.encryption_keys.values():
            print(f"{agency.agency_id:<14} {enc.key_id:<17} {'encrypt':<8} {enc.status:<8} - -")
    return 0

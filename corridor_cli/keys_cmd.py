"""``corridor keys``: generate, rotate and revoke agencies' keys in a trust-store file; list keys.

The trust-store file is what ``corridor registry draft`` turns into the next signed
registry version: a rotation or revocation reaches verifiers once that is published.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from corridor_cli import common
from schemas import registry as reg
from schemas.errors import ConfigError, RegistryError, TrustStoreError
from schemas.json_mapping import format_timestamp
from schemas.key_lifecycle import revoke, rotate
from schemas.keys import (
    encryption_key_id,
    generate_encryption_key,
    generate_private_key,
    key_id,
    load_public_key,
    write_private_key,
    write_public_key,
)
from schemas.taskforce import DEFAULT_HUB_ID
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
        "keys there. For the hub id only the signing key is made: the hub never reads "
        "personal data, and the trust store records which id is the hub.",
    )
    generate.add_argument("--agency", required=True, help="agency id, e.g. PK-FIA")
    generate.add_argument("--name", help="agency's name for the trust store")
    generate.add_argument("--out-dir", type=Path, default=Path(), help="where to write the keys")
    generate.add_argument("--trust-store", type=Path, help="trust store file to add the key to")
    generate.add_argument("--force", action="store_true", help="overwrite an existing key file")
    generate.add_argument(
        "--hub-id",
        help=f"the hub's id (default: the trust store's hub, else {DEFAULT_HUB_ID}); for it "
        "no encryption key is made",
    )
    generate.set_defaults(handler=run_generate)

    rotation = keys_sub.add_parser(
        "rotate",
        help="give an agency a new signing key; its old one verifies until the overlap ends",
        description="Adds the new key (active from now) and retires the agency's active keys "
        "with valid_until = now + --overlap, in the trust-store file. Then draft, sign and "
        "publish the registry; switch the producer to the new key only once it is published. "
        "The new key is either the agency's own public key (--public-key: its private key "
        "never leaves the agency) or generated here into --out-dir as AGENCY.KEYID.key.",
    )
    rotation.add_argument("--agency", required=True, help="agency id")
    rotation.add_argument("--trust-store", type=Path, required=True, help="trust store file")
    rotation.add_argument(
        "--overlap",
        type=common.parse_duration,
        required=True,
        help="how long the old key keeps verifying, e.g. 24h (covers alerts in flight)",
    )
    new_key = rotation.add_mutually_exclusive_group(required=True)
    new_key.add_argument("--public-key", type=Path, help="the agency's new public key (PEM)")
    new_key.add_argument("--out-dir", type=Path, help="generate the new key pair here")
    rotation.set_defaults(handler=run_rotate)

    revocation = keys_sub.add_parser(
        "revoke",
        help="revoke a signing key: what it signed from --compromised-at on fails everywhere",
    )
    revocation.add_argument("--agency", required=True, help="agency id")
    revocation.add_argument("--key-id", required=True, help="the key's 16-hex-digit id")
    revocation.add_argument(
        "--compromised-at",
        type=common.parse_instant,
        required=True,
        help="RFC 3339 time (or 'now') from which the key may have been exposed",
    )
    revocation.add_argument("--trust-store", type=Path, required=True, help="trust store file")
    revocation.set_defaults(handler=run_revoke)

    listing = keys_sub.add_parser("list", help="list the keys of a trust store or a registry")
    source = listing.add_mutually_exclusive_group(required=True)
    source.add_argument("--trust-store", type=Path, help="trust store file")
    source.add_argument(
        "--registry", type=Path, help="a signed registry file (registry show --save, a draft)"
    )
    listing.set_defaults(handler=run_list)


def run_generate(args: argparse.Namespace) -> int:
    """Generate, write, optionally register."""
    if not is_agency_id(args.agency):
        raise TrustStoreError(f"{args.agency!r} is not an agency id like PK-FIA")
    store = (
        load_trust_store(args.trust_store)
        if args.trust_store is not None and args.trust_store.exists()
        else TrustStore(agencies={})
    )
    hub_id = args.hub_id or store.hub or DEFAULT_HUB_ID
    if args.agency == hub_id:
        return _generate_hub(args, store)
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
        name = args.name or args.agency
        store = store.with_key(args.agency, name, key.public_key())
        store = store.with_encryption_key(args.agency, name, decryption.public_key())
        save_trust_store(args.trust_store, store)
        print(f"registered keys {kid} and {eid} for {args.agency} in {args.trust_store}")
    return 0


def _generate_hub(args: argparse.Namespace, store: TrustStore) -> int:
    """The hub's signing key only; the trust store names it the hub."""
    args.out_dir.mkdir(parents=True, exist_ok=True)
    key = generate_private_key()
    private_path = args.out_dir / f"{args.agency}.key"
    public_path = args.out_dir / f"{args.agency}.pub"
    write_private_key(private_path, key, overwrite=args.force)
    write_public_key(public_path, key.public_key())
    kid = key_id(key.public_key())
    print(
        f"key {kid} for the hub {args.agency}: private {private_path} (0600), public "
        f"{public_path}; no encryption key (the hub never reads personal data)"
    )
    if args.trust_store is not None:
        store = store.with_hub(args.agency).with_key(
            args.agency, args.name or args.agency, key.public_key()
        )
        save_trust_store(args.trust_store, store)
        print(f"registered key {kid} for the hub {args.agency} in {args.trust_store}")
    return 0


def _when(value: Any) -> str:
    return "-" if value is None else format_timestamp(value)


def run_rotate(args: argparse.Namespace) -> int:
    """Add the new key, retire the old ones, save."""
    store = load_trust_store(args.trust_store)
    if args.public_key is not None:
        public_key = load_public_key(args.public_key)
    else:
        private_key = generate_private_key()
        public_key = private_key.public_key()
        args.out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{args.agency}.{key_id(public_key)}"
        private_path, public_path = args.out_dir / f"{stem}.key", args.out_dir / f"{stem}.pub"
        write_private_key(private_path, private_key)
        write_public_key(public_path, public_key)
        print(f"new key pair: {private_path} (0600), {public_path}")
    now = dt.datetime.now(dt.UTC)
    rotated = rotate(store, args.agency, public_key, now=now, overlap=args.overlap)
    save_trust_store(args.trust_store, rotated)
    print(
        f"{args.agency}: key {key_id(public_key)} active from {format_timestamp(now)}; former "
        f"keys retire at {format_timestamp(now + args.overlap)}. Publish the next registry "
        "version (corridor registry draft/sign/publish) before the agency signs with the new key."
    )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Mark the key revoked, save."""
    store = load_trust_store(args.trust_store)
    revoked = revoke(store, args.agency, args.key_id, compromised_at=args.compromised_at)
    save_trust_store(args.trust_store, revoked)
    entry = revoked.agencies[args.agency].keys[args.key_id]
    assert entry.compromised_at is not None
    print(
        f"{args.agency}: key {args.key_id} revoked, compromised from "
        f"{format_timestamp(entry.compromised_at)}. Publish the next registry version for "
        "verifiers to refuse it."
    )
    return 0


def print_keys(store: TrustStore) -> None:
    """One line per key: agency, id, use, status and validity window."""
    print(
        f"{'AGENCY':<14} {'KEY ID':<17} {'USE':<8} {'STATUS':<8} {'VALID FROM':<25} "
        f"{'VALID UNTIL':<25} COMPROMISED AT"
    )
    for agency in sorted(store.agencies.values(), key=lambda a: a.agency_id):
        for key in agency.keys.values():
            print(
                f"{agency.agency_id:<14} {key.key_id:<17} {'sign':<8} {key.status:<8} "
                f"{_when(key.valid_from):<25} {_when(key.valid_until):<25} "
                f"{_when(key.compromised_at)}"
            )
        for enc in agency.encryption_keys.values():
            print(
                f"{agency.agency_id:<14} {enc.key_id:<17} {'encrypt':<8} {enc.status:<8} "
                f"{'-':<25} {'-':<25} -"
            )


def run_list(args: argparse.Namespace) -> int:
    """Print one line per key (after the registry's version and expiry, for a registry)."""
    if args.registry is not None:
        try:
            data = args.registry.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {args.registry}: {exc.strerror}") from exc
        try:
            signed = reg.parse_signed(data)
        except RegistryError as exc:
            raise RegistryError(exc.reason, f"{args.registry}: {exc.detail}") from exc
        registry = reg.parse_document(signed.document)
        expired = " (EXPIRED)" if registry.expired(dt.datetime.now(dt.UTC)) else ""
        print(
            f"registry version {registry.version}, issued {format_timestamp(registry.issued_at)}, "
            f"expires {format_timestamp(registry.expires_at)}{expired}, "
            f"{len(signed.signatures)} signature(s)"
        )
        store = registry.trust_store
    else:
        store = load_trust_store(args.trust_store)
    print_keys(store)
    return 0

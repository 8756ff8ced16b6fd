"""``corridor registry``: root keys, and drafting, signing, publishing and showing key registries.

The workflow: each root holder runs ``registry new-root`` once (the private key stays
with them, offline); ``registry init`` writes the root file every party pins. For each
change, the trust-store file is edited (``corridor keys rotate | revoke | generate``),
``registry draft`` turns it into the next version, each root holder runs ``registry
sign`` on the draft in turn, and ``registry publish`` checks the threshold and produces
it to ``<prefix>.keys``, where every verifier picks it up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from consumers.topic_reader import read_to_end
from corridor_cli import common
from corridor_cli.keys_cmd import print_keys
from producers.registry_publisher import publish_registry
from schemas import registry as reg
from schemas.clearances import clearances_of
from schemas.errors import ConfigError, RegistryError
from schemas.json_mapping import format_timestamp
from schemas.keys import (
    generate_private_key,
    key_id,
    load_private_key,
    load_public_key,
    write_private_key,
    write_public_key,
)
from schemas.taskforce import load_taskforce
from schemas.truststore import load_trust_store

DEFAULT_VALIDITY = "30d"


def register(sub: Any) -> None:
    """Add the subcommands."""
    parser = sub.add_parser(
        "registry",
        help="the signed key registry: root keys, draft, sign, publish, show",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="registry_command", required=True, metavar="COMMAND")

    new_root = actions.add_parser("new-root", help="create one root holder's signing key")
    new_root.add_argument("--name", required=True, help="the holder, e.g. chair")
    new_root.add_argument("--out-dir", type=Path, default=Path(), help="where to write it")
    new_root.add_argument("--force", action="store_true", help="overwrite an existing key")
    new_root.set_defaults(handler=run_new_root)

    init = actions.add_parser("init", help="write the root file every party pins")
    init.add_argument(
        "--root",
        type=Path,
        action="append",
        required=True,
        help="a root's public key file NAME.root.pub (repeat for each root)",
    )
    init.add_argument(
        "--threshold", type=int, required=True, help="roots that must sign every registry"
    )
    init.add_argument("--out", type=Path, required=True, help="root file to write")
    init.set_defaults(handler=run_init)

    draft = actions.add_parser(
        "draft",
        help="turn a trust-store file and the task-force file's clearances into the next version",
        description="The draft carries the trust store's keys, the hub id and every member's "
        "clearances (role, receives, tlp_clearance, personal_data, h2_share_with) from the "
        "task-force file (--config), so producers compute their sealing recipients from "
        "signed data (docs/wire-format.md sections 6.8 and 9.4).",
    )
    draft.add_argument("--trust-store", type=Path, required=True, help="the keys to publish")
    draft.add_argument(
        "--previous",
        type=Path,
        help="the registry in force (a file from `registry show --save`); the draft gets its "
        "version + 1 and names its digest. Without it: --version (default 1)",
    )
    draft.add_argument("--version", type=int, help="version number (default: previous + 1)")
    draft.add_argument(
        "--valid-for",
        type=common.parse_duration,
        default=common.parse_duration(DEFAULT_VALIDITY),
        help=f"lifetime, e.g. 7d (default {DEFAULT_VALIDITY}); publish the next one before",
    )
    draft.add_argument("--out", type=Path, required=True, help="draft file to write")
    common.add_config_option(draft)
    draft.set_defaults(handler=run_draft)

    sign = actions.add_parser("sign", help="add one root's signature to a draft (in place)")
    sign.add_argument("draft", type=Path, help="the draft file")
    sign.add_argument("--root-key", type=Path, required=True, help="your NAME.root.key")
    sign.add_argument("--roots", type=Path, help="root file: report how many valid signatures")
    sign.set_defaults(handler=run_sign)

    publish = actions.add_parser(
        "publish", help="check the signatures and produce a registry to <prefix>.keys"
    )
    publish.add_argument("draft", type=Path, help="the signed draft")
    publish.add_argument("--roots", type=Path, required=True, help="the root file")
    common.add_kafka_options(publish)
    publish.set_defaults(handler=run_publish)

    show = actions.add_parser("show", help="show a registry file or the one on the topic")
    source = show.add_mutually_exclusive_group(required=True)
    source.add_argument("file", type=Path, nargs="?", help="a draft or registry file")
    source.add_argument(
        "--from-topic", action="store_true", help="the newest record on <prefix>.keys"
    )
    show.add_argument("--roots", type=Path, help="root file: check the signatures")
    show.add_argument("--save", type=Path, help="also write the registry to this file")
    common.add_kafka_options(show)
    show.set_defaults(handler=run_show)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc


def _read_signed(path: Path) -> reg.SignedRegistry:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return reg.parse_signed(data)
    except RegistryError as exc:
        raise RegistryError(exc.reason, f"{path}: {exc.detail}") from exc


def run_new_root(args: argparse.Namespace) -> int:
    """Write NAME.root.key (0600) and NAME.root.pub."""
    args.out_dir.mkdir(parents=True, exist_ok=True)
    key = generate_private_key()
    private_path = args.out_dir / f"{args.name}.root.key"
    public_path = args.out_dir / f"{args.name}.root.pub"
    write_private_key(private_path, key, overwrite=args.force)
    write_public_key(public_path, key.public_key())
    print(
        f"root key {key_id(key.public_key())} of {args.name}: private {private_path} (0600, keep "
        f"offline), public {public_path}"
    )
    return common.EXIT_OK


def run_init(args: argparse.Namespace) -> int:
    """Write the root file."""
    named = []
    for path in args.root:
        name = path.name.removesuffix(".pub").removesuffix(".root")
        named.append((name, load_public_key(path)))
    roots = reg.make_roots(named, args.threshold)
    _write_atomically(args.out, (json.dumps(reg.dump_roots(roots), indent=2) + "\n").encode())
    print(f"{len(roots.keys)} roots, threshold {roots.threshold}: {args.out}")
    return common.EXIT_OK


def run_draft(args: argparse.Namespace) -> int:
    """Write an unsigned registry of the trust-store file and the members' clearances."""
    taskforce = load_taskforce(Path(args.config))
    store = load_trust_store(args.trust_store, hub_id=taskforce.hub_id)
    store = store.with_hub(taskforce.hub_id).with_clearances(clearances_of(taskforce))
    previous_digest = None
    version = args.version or 1
    if args.previous is not None:
        previous = _read_signed(args.previous)
        registry = reg.parse_document(previous.document)
        previous_digest = previous.digest
        version = args.version or registry.version + 1
        if version <= registry.version:
            raise ConfigError(
                f"--version {version} is not above the previous version {registry.version}"
            )
    now = dt.datetime.now(dt.UTC)
    draft = reg.draft(
        store,
        version=version,
        issued_at=now,
        expires_at=now + args.valid_for,
        previous_digest=previous_digest,
    )
    _write_atomically(args.out, draft.to_bytes())
    print(
        f"draft of version {version}, expires {format_timestamp(now + args.valid_for)}, "
        f"digest {draft.digest}: {args.out} (unsigned; each root runs `corridor registry sign`)"
    )
    return common.EXIT_OK


def run_sign(args: argparse.Namespace) -> int:
    """Add this root's signature to the draft file."""
    signed = _read_signed(args.draft)
    reg.parse_document(signed.document)  # refuse to sign what does not parse
    key = load_private_key(args.root_key)
    signed = signed.signed_by(key)
    _write_atomically(args.draft, signed.to_bytes())
    line = f"signed {args.draft} as root {key_id(key.public_key())}"
    if args.roots is not None:
        roots = reg.load_roots(args.roots)
        valid = len(reg.valid_signers(signed, roots))
        line += f": {valid} of {roots.threshold} required valid signatures"
    print(line)
    return common.EXIT_OK


def _topic_records(args: argparse.Namespace) -> list[bytes]:
    topics = common.topics_from(args)
    records = read_to_end(args.bootstrap, topics.keys, security=common.security_from(args))
    return [r.value for r in records if r.value is not None]


def run_publish(args: argparse.Namespace) -> int:
    """Verify the draft like a follower would, then produce it (acks=all)."""
    roots = reg.load_roots(args.roots)
    value = _read_signed(args.draft).to_bytes()
    state = reg.RegistryState(roots)
    state.catch_up(_topic_records(args))
    in_force = state.registry
    installed = state.apply(value)  # raises: under-signed, rollback, expired...
    if installed is None:
        assert in_force is not None
        print(f"version {in_force.version} is already the registry in force; nothing published")
        return common.EXIT_OK
    topics = common.topics_from(args)
    partition, offset = publish_registry(
        args.bootstrap, topics, value, security=common.security_from(args)
    )
    print(f"published registry {installed.describe()} to {topics.keys} [{partition}]@{offset}")
    return common.EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """Print the registry's fields, signatures and keys."""
    if args.from_topic:
        records = _topic_records(args)
        if not records:
            raise ConfigError(f"no registry on {common.topics_from(args).keys}")
        newest = max(
            (reg.parse_signed(r) for r in records),
            key=lambda s: reg.parse_document(s.document).version,
        )
    else:
        newest = _read_signed(args.file)
    registry = reg.parse_document(newest.document)
    print(f"version         {registry.version}")
    print(f"issued_at       {format_timestamp(registry.issued_at)}")
    expired = " (EXPIRED)" if registry.expired(dt.datetime.now(dt.UTC)) else ""
    print(f"expires_at      {format_timestamp(registry.expires_at)}{expired}")
    print(f"digest          {registry.digest}")
    print(f"previous_digest {registry.previous_digest or '-'}")
    roots = reg.load_roots(args.roots) if args.roots is not None else None
    valid = reg.valid_signers(newest, roots) if roots is not None else frozenset()
    for signature in newest.signatures:
        verdict = ""
        if roots is not None:
            verdict = " valid" if signature.key_id in valid else " NOT VALID (or not a root)"
        print(f"signature       {signature.key_id}{verdict}")
    if roots is not None:
        print(f"threshold       {len(valid)} of {roots.threshold} required")
    print_keys(registry.trust_store)
    if args.save is not None:
        _write_atomically(args.save, newest.to_bytes())
        print(f"saved to {args.save}")
    if roots is not None and len(valid) < roots.threshold:
        return common.EXIT_FAILED
    return common.EXIT_OK

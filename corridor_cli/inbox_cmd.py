"""``corridor inbox``: an agency reads and verifies its deliveries."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from consumers.inbox.metrics import InboxMetrics
from consumers.inbox.reader import InboxReader
from consumers.inbox.settings import InboxSettings
from consumers.receipts.sender import ReceiptSender
from consumers.receiver_store import ReceiverStore
from corridor_cli import common, environment, trust
from schemas.errors import ConfigError
from schemas.keys import load_decryption_key, load_private_key
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.truststore import TrustSource, load_trust_store


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "inbox",
        help="read and verify an agency's deliveries",
        description="Reads the agency's inbox, verifies every alert against the trust store "
        "(a file, or the signed key registry followed live with --registry-roots), and writes "
        "one JSON object per delivery (status verified or rejected).",
    )
    parser.add_argument("--agency", required=True, help="your agency id")
    keys = parser.add_mutually_exclusive_group(required=True)
    keys.add_argument("--trust-store", type=Path, help="trust store file")
    trust.add_registry_option(keys)
    parser.add_argument(
        "--decryption-key",
        type=Path,
        help="the agency's X25519 private key (AGENCY.x25519.key) to decrypt personal data "
        'it is cleared for; without it personal data shows as "encrypted"',
    )
    parser.add_argument("--output", type=Path, help="append JSON Lines here (default stdout)")
    parser.add_argument("--group", help="consumer group (default corridor-inbox-AGENCY)")
    common.add_group_options(parser)
    parser.add_argument(
        "--db",
        type=Path,
        help="also store each delivery once, by delivery id, in this SQLite file (before its "
        "offset is committed, so a crash repeats deliveries but never stores one twice)",
    )
    parser.add_argument(
        "--hub-id",
        default=DEFAULT_HUB_ID,
        help="the task-force hub's id, which signs incidents (default %(default)s)",
    )
    parser.add_argument(
        "--idle-timeout", type=float, help="stop after this many seconds without a delivery"
    )
    parser.add_argument("--max-messages", type=int, help="stop after this many deliveries")
    parser.add_argument(
        "--receipts",
        action="store_true",
        help="send signed RECEIVED and VERIFIED (or REJECTED) receipts for every delivery "
        "(needs --key)",
    )
    parser.add_argument("--key", type=Path, help="your agency's signing key, for --receipts")
    common.add_kafka_options(parser)
    common.add_metrics_options(parser, default_port=0)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read until stopped; exit 1 if any delivery failed verification."""
    if args.receipts and args.key is None:
        raise ConfigError("--receipts needs --key: receipts are signed with your agency's key")
    key = load_private_key(args.key) if args.receipts else None
    decryption_key = (
        load_decryption_key(args.decryption_key) if args.decryption_key is not None else None
    )
    registry = CollectorRegistry()
    metrics = InboxMetrics.create(registry)
    settings = InboxSettings(
        bootstrap=args.bootstrap,
        agency=args.agency,
        topics=common.topics_from(args),
        group_id=args.group,
        idle_timeout_s=args.idle_timeout,
        max_messages=args.max_messages,
        hub_id=args.hub_id,
        decryption_key=decryption_key,
        security=common.security_from(args),
        membership=common.membership_from(args),
    )
    if args.registry_roots is None:
        store = load_trust_store(args.trust_store, hub_id=args.hub_id)
        return _read(args, settings, store, metrics, registry, key)
    roots = args.registry_roots
    with trust.following(args, settings.topics, roots, registry, args.hub_id) as follower:
        return _read(args, settings, follower, metrics, registry, key)


def _read(
    args: argparse.Namespace,
    settings: InboxSettings,
    keys: TrustSource,
    metrics: InboxMetrics,
    registry: CollectorRegistry,
    key: Ed25519PrivateKey | None,
) -> int:
    with contextlib.ExitStack() as stack:
        # Local files first: a store or output file that cannot be opened is a local
        # problem (exit 2), whatever Kafka's state.
        store = stack.enter_context(ReceiverStore(args.db)) if args.db else None
        out: TextIO = stack.enter_context(_output(args.output)) if args.output else sys.stdout
        common.serve_metrics(args, registry)
        stop = common.stop_on_signals()
        reader = InboxReader(settings, keys, metrics)
        stack.callback(reader.close)
        sender = None
        if key is not None:
            sender = ReceiptSender(
                args.bootstrap, args.agency, key, settings.topics, security=settings.security
            )
            stack.callback(sender.close)
        rejected = 0
        failpoint = _StoreFailpoint.armed()
        # The reader commits a poll's offsets only when asked for the item after its last,
        # i.e. after every item of the poll was stored and written out.
        for item in reader.items(stop):
            if store is not None:
                new = store.store(item, channel="inbox")
                if failpoint is not None and new:
                    failpoint.stored()
            out.write(json.dumps(item.document) + "\n")
            out.flush()
            rejected += not item.verified
            if sender is not None:
                # Acknowledged before the reader commits this delivery's offset.
                sender.for_item(item)
    return common.EXIT_FAILED if rejected else common.EXIT_OK


class _StoreFailpoint:
    """Test only: SIGKILL this process right after its Nth new stored delivery.

    Armed by ``CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE`` (the fault matrix, see
    docs/operations.md); the kill falls between a store and the commit of its offset,
    the window where a crash must repeat the delivery and the store must keep one copy.
    Unarmed, the loop pays one ``is not None`` per delivery.
    """

    def __init__(self, kill_after: int) -> None:
        self._left = kill_after

    @classmethod
    def armed(cls) -> _StoreFailpoint | None:
        kill_after = environment.inbox_kill_after_store()
        return None if kill_after is None else cls(kill_after)

    def stored(self) -> None:
        self._left -= 1
        if self._left == 0:
            os.kill(os.getpid(), signal.SIGKILL)


def _output(path: Path) -> TextIO:
    """``--output``, opened for appending (an unusable path is a one-line error)."""
    try:
        return path.open("a", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot open --output {path}: {exc.strerror}") from exc

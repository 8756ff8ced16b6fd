"""``corridor publish``: validate, sign and publish alerts from JSON or JSON Lines."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor_cli import common
from producers.alert_input import RawAlert, parse_alert_bytes
from producers.errors import InputError
from producers.outcomes import FAILED, PUBLISHED, UNKNOWN, PublishOutcome
from producers.publisher import AlertPublisher, sign_for
from producers.registry_sealing import sealing_from_topic
from producers.sealing import Sealing
from producers.settings import PublisherSettings
from producers.signing_key_check import signing_key_problem
from schemas.errors import ConfigError, DocumentError, ValidationError
from schemas.json_mapping import alert_from_json
from schemas.keys import key_id, load_private_key
from schemas.registry import load_roots
from schemas.signing import SignedRecord
from schemas.truststore import TrustStore, load_trust_store
from schemas.user_files import read_bytes
from schemas.validation import check_alert, check_personal_data


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "publish",
        help="sign and publish alerts",
        description="Validate alerts (JSON object, JSON array or JSON Lines), sign them with "
        "the agency's key and publish them. Each alert's outcome is printed as soon as it is "
        "known: published (partition and offset), failed (not on the topic), or unknown (sent "
        "but not acknowledged when the broker stopped answering); exit 0 only when the broker "
        "acknowledged every alert, 1 if any failed or is unknown. An alert's personal_data is "
        "encrypted to the encryption keys of the members cleared for it: from the signed key "
        "registry with --registry-roots (or the task-force file's registry_roots), else from "
        "the task-force file and trust store; if none can receive it, nothing is published "
        "(exit 2).",
    )
    parser.add_argument("--agency", required=True, help="publishing agency id, e.g. PK-FIA")
    parser.add_argument("--key", required=True, type=Path, help="the agency's private key file")
    parser.add_argument(
        "--file", default="-", help="alerts file: .json or .jsonl; '-' reads stdin (default)"
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="publish the valid alerts even if some are invalid (default: publish none)",
    )
    parser.add_argument("--json", action="store_true", help="print outcomes as JSON Lines")
    parser.add_argument(
        "--delivery-timeout",
        type=_positive_seconds,
        default=PublisherSettings.delivery_timeout_s,
        metavar="SECONDS",
        help="give up on a broker that has answered no send for this long: what it has "
        "not acknowledged is reported unknown, what was not sent yet failed "
        "(default %(default)s)",
    )
    common.add_config_option(parser)
    parser.add_argument(
        "--trust-store",
        type=Path,
        help="trust store (default: the task-force file's, if both files exist): --key must "
        "be an active key of --agency in it, else nothing is published; it also holds the "
        "recipients' encryption keys for personal_data",
    )
    parser.add_argument(
        "--registry-roots",
        type=Path,
        metavar="FILE",
        help="the task force's root-key file: take the sealing recipients (clearances and "
        "encryption keys) from the signed key registry on <prefix>.keys, verified against "
        "these roots, instead of the task-force file and trust store",
    )
    common.add_kafka_options(parser)
    parser.set_defaults(handler=run)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 < s < 86400)")
    return value


def _read(name: str) -> bytes:
    """The alerts file's bytes (decoded later, strictly, so a bad byte is named)."""
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return read_bytes(Path(name), "alerts file")
    except DocumentError as exc:
        raise InputError(str(exc)) from exc


def _prepare(raw: RawAlert, agency: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The alert datum and its personal data (in clear, to be sealed), both validated."""
    document = raw.document
    if isinstance(document, dict) and "agency" not in document:
        document = {**document, "agency": agency}
    datum, personal = alert_from_json(document)
    if datum["agency"] != agency:
        raise ValidationError(
            [f"agency: {datum['agency']!r} is not the publishing agency {agency}"]
        )
    check_alert(datum)
    if personal is not None:
        check_personal_data(personal)
    return datum, personal


def _sealing(args: argparse.Namespace) -> Sealing:
    """Whom to seal to, read once the first alert has personal data: the verified registry
    when there are registry roots, else the task-force file and trust store."""
    if args.registry_roots is not None:
        roots = load_roots(args.registry_roots)
        return sealing_from_topic(
            args.bootstrap, common.topics_from(args), roots, common.security_from(args)
        )
    taskforce = common.taskforce_from(args)
    if taskforce.registry_roots is not None and args.trust_store is None:
        return sealing_from_topic(
            args.bootstrap,
            taskforce.topics,
            load_roots(taskforce.registry_roots),
            common.security_from(args),
        )
    trust_store = load_trust_store(
        args.trust_store or taskforce.trust_store, hub_id=taskforce.hub_id
    )
    return Sealing.from_taskforce(taskforce, trust_store)


def _print(document: dict[str, Any], as_json: bool, text: str) -> None:
    print(json.dumps(document) if as_json else text, flush=True)


def _report(outcome: PublishOutcome, as_json: bool) -> None:
    ident = f"{outcome.alert_id} rev {outcome.revision}"
    if outcome.ok:
        where = f"{outcome.topic}[{outcome.partition}]@{outcome.offset}"
        text = f"published  {ident}  {where}"
    else:
        text = f"{outcome.status.upper():<10} {ident}  {outcome.error}"
    document = {
        "status": outcome.status,
        "alert_id": outcome.alert_id,
        "revision": outcome.revision,
        "message_id": outcome.message_id,
        "topic": outcome.topic,
        "partition": outcome.partition,
        "offset": outcome.offset,
        "error": outcome.error,
    }
    _print(document, as_json, text)


def _warn_without_key(sealing: Sealing, alert: dict[str, Any]) -> None:
    missing = sealing.plan(alert).without_key
    if missing:
        print(
            f"corridor: warning: {alert['alert_id']}: {', '.join(missing)} cleared for personal "
            "data but without an encryption key; they will see it redacted",
            file=sys.stderr,
        )


def _key_check_store(args: argparse.Namespace) -> tuple[TrustStore, Path] | None:
    """The trust store to check ``--key`` against: ``--trust-store``, else the task-force
    file's if both files exist; None when there is none at hand."""
    if args.trust_store is not None:
        return load_trust_store(args.trust_store), args.trust_store
    if not Path(args.config).is_file():
        return None
    path = common.taskforce_from(args).trust_store
    return (load_trust_store(path), path) if path.is_file() else None


def _check_key(args: argparse.Namespace, key: Ed25519PrivateKey) -> None:
    """Refuse a key the trust store does not let sign for ``--agency`` (exit 2)."""
    found = _key_check_store(args)
    if found is None:
        print(
            f"corridor: warning: --key not checked against a trust store (none at hand: pass "
            f"--trust-store); the hub rejects alerts whose key is not {args.agency}'s",
            file=sys.stderr,
        )
        return
    store, path = found
    problem = signing_key_problem(
        store, args.agency, key_id(key.public_key()), dt.datetime.now(dt.UTC)
    )
    if problem is not None:
        raise ConfigError(
            f"--key {args.key}: {problem} in trust store {path}; the hub would reject every "
            "alert signed with it: nothing published"
        )


def run(args: argparse.Namespace) -> int:
    """Validate and sign everything first, then publish and report each alert."""
    key = load_private_key(args.key)
    _check_key(args, key)
    name = "stdin" if args.file == "-" else args.file
    raws = parse_alert_bytes(_read(args.file), name)
    topics = common.topics_from(args)
    records: list[SignedRecord] = []
    invalid = 0
    sealing: Sealing | None = None
    for raw in raws:
        try:
            datum, personal = _prepare(raw, args.agency)
            if personal is not None and sealing is None:
                sealing = _sealing(args)
            if personal is not None and sealing is not None:
                _warn_without_key(sealing, datum)
            records.append(sign_for(datum, personal, key, topics, sealing))
        except ValidationError as exc:
            invalid += 1
            for problem in exc.problems:
                _print(
                    {"status": "invalid", "source": raw.source, "problem": problem},
                    args.json,
                    f"invalid    {raw.source}: {problem}",
                )
    if invalid and not args.skip_invalid:
        print(
            f"corridor: nothing published: {invalid} of {len(raws)} alerts are invalid "
            "(fix them, or pass --skip-invalid to publish the others)",
            file=sys.stderr,
        )
        return common.EXIT_USAGE
    if not records:
        print("corridor: no valid alerts to publish", file=sys.stderr)
        return common.EXIT_USAGE
    settings = PublisherSettings(
        bootstrap=args.bootstrap,
        topics=topics,
        security=common.security_from(args),
        delivery_timeout_s=args.delivery_timeout,
    )
    counts = dict.fromkeys((PUBLISHED, FAILED, UNKNOWN), 0)
    with AlertPublisher(settings, key) as publisher:
        for outcome in publisher.publish_each(records):
            _report(outcome, args.json)
            counts[outcome.status] += 1
    print(
        f"corridor: {counts[PUBLISHED]} published, {counts[FAILED]} failed, "
        f"{counts[UNKNOWN]} unknown, {invalid} invalid",
        file=sys.stderr,
    )
    if counts[UNKNOWN]:
        print(
            f"corridor: {counts[UNKNOWN]} sent but not acknowledged: they may or may not be on "
            "the topic; publishing them again is safe (the hub drops repeats)",
            file=sys.stderr,
        )
    done = counts[PUBLISHED] == len(records) and invalid == 0
    return common.EXIT_OK if done else common.EXIT_FAILED

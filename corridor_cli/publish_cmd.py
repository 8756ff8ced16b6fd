"""``corridor publish``: validate, sign and publish alerts from JSON or JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corridor_cli import common
from producers.alert_input import RawAlert, parse_alerts
from producers.errors import InputError
from producers.publisher import AlertPublisher, PublishOutcome
from producers.settings import PublisherSettings
from schemas.catalog import alert_schema
from schemas.errors import ValidationError
from schemas.json_mapping import from_json
from schemas.keys import load_private_key
from schemas.signing import SignedRecord, sign_alert
from schemas.validation import check_alert


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "publish",
        help="sign and publish alerts",
        description="Validate alerts (JSON object, JSON array or JSON Lines), sign them with "
        "the agency's key and publish them. Each alert's outcome is printed; exit 0 only when "
        "the broker acknowledged every alert.",
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
    common.add_kafka_options(parser)
    parser.set_defaults(handler=run)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text("utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"alerts file {name} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read alerts file {name}: {exc}") from exc


def _prepare(raw: RawAlert, agency: str) -> dict[str, Any]:
    document = raw.document
    if isinstance(document, dict) and "agency" not in document:
        document = {**document, "agency": agency}
    datum = from_json(alert_schema().schema, document)
    if datum["agency"] != agency:
        raise ValidationError(
            [f"agency: {datum['agency']!r} is not the publishing agency {agency}"]
        )
    check_alert(datum)
    return datum


def _print(document: dict[str, Any], as_json: bool, text: str) -> None:
    print(json.dumps(document) if as_json else text, flush=True)


def _report(outcome: PublishOutcome, as_json: bool) -> None:
    ident = f"{outcome.alert_id} rev {outcome.revision}"
    if outcome.ok:
        where = f"{outcome.topic}[{outcome.partition}]@{outcome.offset}"
        text = f"published  {ident}  {where}"
        status = "published"
    else:
        text = f"FAILED     {ident}  {outcome.error}"
        status = "failed"
    document = {
        "status": status,
        "alert_id": outcome.alert_id,
        "revision": outcome.revision,
        "message_id": outcome.message_id,
        "topic": outcome.topic,
        "partition": outcome.partition,
        "offset": outcome.offset,
        "error": outcome.error,
    }
    _print(document, as_json, text)


def run(args: argparse.Namespace) -> int:
    """Validate and sign everything first, then publish and report each alert."""
    key = load_private_key(args.key)
    name = "stdin" if args.file == "-" else args.file
    raws = parse_alerts(_read(args.file), name)
    topics = common.topics_from(args)
    records: list[SignedRecord] = []
    invalid = 0
    for raw in raws:
        try:
            records.append(sign_alert(_prepare(raw, args.agency), key, topics))
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
        bootstrap=args.bootstrap, topics=topics, security=common.security_from(args)
    )
    with AlertPublisher(settings, key) as publisher:
        outcomes = publisher.publish(records)
    for outcome in outcomes:
        _report(outcome, args.json)
    failed = sum(not o.ok for o in outcomes)
    print(
        f"corridor: {len(outcomes) - failed} published, {failed} failed, {invalid} invalid",
        file=sys.stderr,
    )
    return common.EXIT_OK if failed == 0 and invalid == 0 else common.EXIT_FAILED

"""``corridor stix export``: an agency's deliveries as one STIX 2.1 bundle file."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from stix2.exceptions import STIXError

from consumers.inbox.check import check_delivery
from consumers.stix.bundle import delivery_objects, mappable
from consumers.stix.export import export
from consumers.topic_reader import read_to_end
from corridor_cli import common, trust
from schemas.errors import ConfigError
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.truststore import TrustSource, load_trust_store

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "stix",
        help="export deliveries as STIX 2.1 (for MISP, OpenCTI, air-gapped hand-over)",
        description="STIX 2.1 view of an agency's deliveries (mapping: docs/stix-taxii.md).",
    )
    actions = parser.add_subparsers(dest="stix_command", required=True, metavar="ACTION")
    out = actions.add_parser(
        "export",
        help="write an agency's verified alerts and incidents as one STIX bundle",
        description="Reads the agency's inbox from its start to its current end (without a "
        "consumer group, so the agency's own reader is not disturbed) and verifies every "
        "delivery as `corridor inbox` does, or reads the JSON Lines `corridor inbox --output` "
        "wrote (--input). Writes one STIX 2.1 bundle of the verified alerts and incidents; "
        "recalled alerts and deliveries that do not verify are left out. Personal data is "
        "never exported. Exit 1 if some deliveries did not verify.",
    )
    out.add_argument("--agency", help="your agency id (reading the inbox)")
    source = out.add_mutually_exclusive_group(required=True)
    source.add_argument("--trust-store", type=Path, help="trust store file")
    trust.add_registry_option(source)
    source.add_argument(
        "--input", type=Path, help="JSON Lines written by `corridor inbox --output` instead"
    )
    out.add_argument("--out", type=Path, required=True, help="the bundle file to write")
    out.add_argument(
        "--hub-id", default=DEFAULT_HUB_ID, help="the hub's id, which signs incidents (%(default)s)"
    )
    out.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to read the inbox (%(default)s)"
    )
    common.add_kafka_options(out)
    out.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export; exit 1 if some deliveries did not verify."""
    if args.input is not None:
        documents = _read_jsonl(args.input)
    else:
        if not args.agency:
            raise ConfigError("--agency is needed to read the inbox (or give --input)")
        if args.registry_roots is None:
            documents = _read_inbox(args, load_trust_store(args.trust_store))
        else:
            topics = common.topics_from(args)
            with trust.following(args, topics, args.registry_roots, CollectorRegistry()) as keys:
                documents = _read_inbox(args, keys)
    result = export(documents)
    text = result.bundle.serialize(pretty=True)
    try:
        args.out.write_text(text + "\n", "utf-8")
    except OSError as exc:
        raise ConfigError(f"{args.out}: cannot write the bundle: {exc.strerror}") from exc
    count = len(json.loads(text).get("objects", []))
    print(
        f"wrote {count} STIX objects to {args.out}: {result.alerts} alerts, "
        f"{result.incidents} incidents ({result.recalled} recalled and {result.rejected} "
        "unverified deliveries left out)"
    )
    return common.EXIT_FAILED if result.rejected else common.EXIT_OK


def _read_inbox(args: argparse.Namespace, keys: TrustSource) -> list[dict[str, Any]]:
    topics = common.topics_from(args)
    records = read_to_end(
        args.bootstrap, topics.inbox(args.agency), args.timeout, common.security_from(args)
    )
    documents = []
    for record in records:
        item = check_delivery(
            record.value,
            list(record.headers or []),
            keys,
            topics,
            hub_id=args.hub_id,
            partition=record.partition,
            offset=record.offset,
            agency=args.agency,
        )
        if not item.verified:
            logger.warning("delivery %s rejected: %s", item.delivery_id, item.document["detail"])
        documents.append(item.document)
    return documents


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    documents = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(document, dict) or "status" not in document:
            raise ConfigError(f"{path}:{number}: status: not a `corridor inbox` document")
        if mappable(document):
            try:
                delivery_objects(document)
            except KeyError as exc:
                raise ConfigError(f"{path}:{number}: {exc.args[0]}: missing") from exc
            except (TypeError, ValueError, STIXError) as exc:
                raise ConfigError(
                    f"{path}:{number}: not a valid {document['kind']}: {exc}"
                ) from exc
        documents.append(document)
    return documents

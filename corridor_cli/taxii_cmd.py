"""``corridor taxii serve`` and ``corridor taxii add-user``: the members' TAXII 2.1 feed."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from consumers.stix.ids import collection_id
from consumers.taxii.credentials import add_user, load_credentials
from consumers.taxii.endpoint import API_ROOT, TaxiiEndpoint, TaxiiSettings
from consumers.taxii.ingest import InboxIngester, IngestSettings
from consumers.taxii.metrics import TaxiiMetrics
from consumers.taxii.server import TaxiiServer
from consumers.taxii.store import TaxiiStore
from consumers.webhooks.receiver import parse_listen
from corridor_cli import common, trust
from schemas.errors import ConfigError
from schemas.taskforce import TaskForce

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the subcommand."""
    parser = sub.add_parser(
        "taxii",
        help="TAXII 2.1 server: each member polls its own deliveries as STIX",
        description="A read-only TAXII 2.1 server with one collection per member, filled "
        "from the member's inbox (docs/stix-taxii.md).",
    )
    actions = parser.add_subparsers(dest="taxii_command", required=True, metavar="ACTION")
    serve = actions.add_parser(
        "serve",
        help="serve the members' collections over HTTPS",
        description="Reads each served member's inbox (verifying every delivery as `corridor "
        "inbox` does), stores the STIX objects of its alerts and incidents in the SQLite "
        "file, and serves them over HTTPS with HTTP Basic authentication: each user reads "
        "only its own agency's collection.",
    )
    common.add_config_option(serve)
    serve.add_argument(
        "--agency",
        action="append",
        help="serve this member's collection (repeatable; default: every member that "
        "receives deliveries)",
    )
    serve.add_argument(
        "--credentials", type=Path, required=True, help="users file (corridor taxii add-user)"
    )
    serve.add_argument("--db", type=Path, required=True, help="SQLite file of the collections")
    serve.add_argument(
        "--listen", default="127.0.0.1:9443", help="HOST:PORT to listen on (%(default)s)"
    )
    serve.add_argument("--tls-cert", type=Path, required=True, help="PEM certificate (chain)")
    serve.add_argument("--tls-key", type=Path, required=True, help="PEM private key")
    serve.add_argument(
        "--trust-store",
        type=Path,
        help="trust store file (default: the task-force file's; ignored when it names "
        "registry roots)",
    )
    common.add_kafka_options(serve)
    common.add_metrics_options(serve, default_port=9407)
    serve.set_defaults(handler=run_serve)

    user = actions.add_parser(
        "add-user",
        help="add or replace a user of the TAXII server",
        description="Adds USER, who reads AGENCY's collection, to the credentials file (created "
        "with mode 0600). Only a salted scrypt hash of the password is stored.",
    )
    user.add_argument("--credentials", type=Path, required=True, help="users file")
    user.add_argument("--user", required=True, help="HTTP Basic user name")
    user.add_argument("--agency", required=True, help="the agency whose collection it reads")
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (default: prompt)",
    )
    user.set_defaults(handler=run_add_user)


def served_agencies(taskforce: TaskForce, chosen: list[str] | None) -> frozenset[str]:
    """The members to serve: ``chosen``, else every member that receives deliveries."""
    receiving = [m.agency_id for m in taskforce.members if m.receives]
    if not chosen:
        return frozenset(receiving)
    for agency in chosen:
        if agency not in receiving:
            raise ConfigError(
                f"--agency {agency}: not a member of {taskforce.name} that receives deliveries "
                f"(those that do: {', '.join(receiving)})"
            )
    return frozenset(chosen)


def run_serve(args: argparse.Namespace) -> int:
    """Ingest and serve until SIGINT/SIGTERM."""
    host, port = parse_listen(args.listen)
    taskforce = common.taskforce_from(args)
    agencies = served_agencies(taskforce, args.agency)
    credentials = load_credentials(args.credentials)
    for user in credentials.users:
        if user.agency not in agencies:
            logger.warning("user %s reads %s, which is not served here", user.name, user.agency)
    registry = CollectorRegistry()
    metrics = TaxiiMetrics.create(registry)
    common.serve_metrics(args, registry)
    settings = IngestSettings(
        bootstrap=args.bootstrap,
        topics=taskforce.topics,
        agencies=agencies,
        hub_id=taskforce.hub_id,
        security=common.security_from(args),
    )
    stop = common.stop_on_signals()
    with trust.hub_trust(args, taskforce, registry) as keys, TaxiiStore(args.db) as store:
        endpoint = TaxiiEndpoint(TaxiiSettings(agencies=agencies), credentials, store, metrics)
        # Certificate and address problems before Kafka's: they are the user's to fix.
        server = TaxiiServer(endpoint, host, port, args.tls_cert, args.tls_key)
        try:
            ingester = InboxIngester(settings, keys, store, metrics)
        except BaseException:
            server.stop()
            raise
        server.start()
        logger.info(
            "serving TAXII 2.1 on https://%s:%d/taxii2/ (API root /%s/) for %s",
            host,
            server.port,
            API_ROOT,
            ", ".join(f"{a} (collection {collection_id(a)})" for a in sorted(agencies)),
        )
        try:
            _ingest_until(stop, ingester)
        finally:
            server.stop()
            ingester.close()
    return common.EXIT_OK


def _ingest_until(stop: threading.Event, ingester: InboxIngester) -> None:
    while not stop.is_set():
        ingester.poll_once()


def run_add_user(args: argparse.Namespace) -> int:
    """Write the user into the credentials file."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.user}: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError("the two passwords differ")
    add_user(args.credentials, args.user, args.agency, password)
    print(f"{args.credentials}: user {args.user} reads the collection of {args.agency}")
    return common.EXIT_OK

"""Where a command's verifier gets its keys: a trust-store file, or the live key registry."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry

from consumers.metrics import RegistryMetrics, key_validity_gauge, set_key_validity
from consumers.registry_follower import RegistryFollower
from corridor_cli import common
from schemas.registry import load_roots
from schemas.taskforce import TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustSource, load_trust_store

logger = logging.getLogger(__name__)


def add_registry_option(parser: argparse.ArgumentParser) -> None:
    """``--registry-roots FILE``: follow the signed key registry instead of a trust store."""
    parser.add_argument(
        "--registry-roots",
        type=Path,
        metavar="FILE",
        help="the task force's root-key file (corridor-registry-roots/1): verify with the "
        "signed key registry on <prefix>.keys, followed live, instead of a trust-store file",
    )


@contextlib.contextmanager
def following(
    args: argparse.Namespace,
    topics: TopicNames,
    roots_path: Path,
    registry: CollectorRegistry,
    hub_id: str | None = None,
) -> Iterator[RegistryFollower]:
    """A started registry follower (its metrics in ``registry``), closed on exit."""
    follower = RegistryFollower(
        args.bootstrap,
        topics,
        load_roots(roots_path),
        RegistryMetrics.create(registry),
        security=common.security_from(args),
        hub_id=hub_id,
    )
    try:
        installed = follower.start()
        logger.info("following the key registry on %s from %s", topics.keys, installed.describe())
        yield follower
    finally:
        follower.close()


@contextlib.contextmanager
def hub_trust(
    args: argparse.Namespace, taskforce: TaskForce, registry: CollectorRegistry
) -> Iterator[TrustSource]:
    """The hub service's keys: the registry if the task-force file names its roots, else the
    trust-store file (``--trust-store`` where the command has it)."""
    if taskforce.registry_roots is not None:
        roots = taskforce.registry_roots
        with following(args, taskforce.topics, roots, registry, taskforce.hub_id) as follower:
            yield follower
        return
    path = getattr(args, "trust_store", None) or taskforce.trust_store
    store = load_trust_store(Path(path), hub_id=taskforce.hub_id)
    set_key_validity(key_validity_gauge(registry), store)
    yield store

"""A throw-away task force on local brokers: keys, trust store, task-force file, hub processes.

The bench uses it today; it is written so the demo, ``make eval`` and the integration
tests can share it (they each spell this out for themselves). Nothing here is tuned
for one of them: a caller names its publishing and receiving agencies, and gets a
directory with one private key per agency and the hub, a trust store and a TOML file
under a topic prefix of its own, plus helpers that start ``corridor`` services from
the repository with their output in a log file and stop them however the caller ends.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from taskforce_file import TRUST_STORE_FILE, Member, taskforce_toml

from kafka_local.cluster import LocalKafkaCluster
from kafka_local.config import free_port
from processes import stop_process
from schemas.keys import generate_private_key, write_private_key
from schemas.replication import Replication
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, save_trust_store

REPO_ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_S = 20.0
"""Grace period between SIGTERM and SIGKILL for a service."""
HUB_KEY_FILE = "hub.key"


@dataclass(frozen=True)
class Deployment:
    """A throw-away task force: keys, trust store, TOML file and topic prefix."""

    prefix: str
    """Topic prefix of this deployment (unique per run)."""
    directory: Path
    """Where the files are: ``taskforce.toml``, ``trust-store.json``, ``keys/``, ``hub.key``."""
    config: Path
    """The task-force TOML file."""
    keys: dict[str, Ed25519PrivateKey]
    """Private signing key of each publishing agency."""
    recipients: list[str]
    """Agencies that only receive."""

    @property
    def topics(self) -> TopicNames:
        """Topic names of this deployment."""
        return TopicNames(self.prefix)

    @property
    def publishers(self) -> list[str]:
        """Publishing agency ids, in the order given."""
        return list(self.keys)

    @property
    def hub_key(self) -> Path:
        """The hub's private key file (``--hub-key`` of the streams worker)."""
        return self.directory / HUB_KEY_FILE

    def key_file(self, agency: str) -> Path:
        """A publishing agency's private key file (``--key`` of ``corridor publish``)."""
        return self.directory / "keys" / f"{agency}.key"


def replication_for(brokers: int) -> Replication:
    """What a cluster of ``brokers`` brokers should keep: three copies (or one per broker), two
    of which must have a write (one when there is a single copy); the local brokers' defaults.
    """
    factor = min(3, brokers)
    return Replication(replication_factor=factor, min_insync_replicas=min(2, factor))


def make_deployment(
    directory: Path,
    prefix: str,
    publishers: Sequence[str],
    recipients: Sequence[str],
    *,
    publisher_role: str = "border_guard",
    recipient_role: str = "coast_guard",
    replication: Replication | None = None,
    members: Sequence[Member] | None = None,
    name: str | None = None,
) -> Deployment:
    """Write a task force: a signing key for each of ``publishers``, the hub's key, the
    trust store and the task-force file (named ``name``, default the prefix).

    Its ``members`` default to publishers that only publish and recipients that only
    receive: with the default roles (law enforcement, default clearance) every alert
    that names no recipients goes to every recipient, and never back to its originator.
    A ``replication`` is written as the file's ``[kafka]`` table, which every topic the
    hub creates follows; None leaves the table out (the single-broker defaults).
    """
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    keys = {agency: generate_private_key() for agency in publishers}
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
        write_private_key(directory / "keys" / f"{agency}.key", key, overwrite=True)
    hub_key = generate_private_key()
    store = store.with_key(DEFAULT_HUB_ID, "task-force hub", hub_key.public_key())
    save_trust_store(directory / TRUST_STORE_FILE, store)
    write_private_key(directory / HUB_KEY_FILE, hub_key, overwrite=True)
    if members is None:
        members = [
            *(Member(a, publisher_role, publishes=True, receives=False) for a in publishers),
            *(Member(a, recipient_role, publishes=False, receives=True) for a in recipients),
        ]
    config = directory / "taskforce.toml"
    config.write_text(taskforce_toml(name or prefix, prefix, members, replication), "utf-8")
    return Deployment(
        prefix=prefix, directory=directory, config=config, keys=keys, recipients=list(recipients)
    )


# --------------------------------------------------------------------------- hub processes


def common_args(deployment: Deployment, bootstrap: str) -> list[str]:
    """Options every hub service takes: config, prefix, bootstrap, no metrics port."""
    return [
        "--config",
        str(deployment.config),
        "--topic-prefix",
        deployment.prefix,
        "--bootstrap",
        bootstrap,
        "--metrics-port",
        "0",
    ]


def streams_worker_args(
    deployment: Deployment, bootstrap: str, index: int = 1, extra: Sequence[str] = ()
) -> list[str]:
    """``corridor streams worker`` number ``index`` (plus ``extra`` options); workers share the
    app id (consumer group)."""
    return [
        "streams",
        "worker",
        *common_args(deployment, bootstrap),
        "--web-port",
        str(free_port()),
        "--data-dir",
        str(deployment.directory / f"streams-data-{index}"),
        "--app-id",
        f"{deployment.prefix}-streams",
        "--hub-key",
        str(deployment.hub_key),
        *extra,
    ]


def delivery_args(deployment: Deployment, bootstrap: str) -> list[str]:
    """``corridor delivery`` for this deployment."""
    return [
        "delivery",
        *common_args(deployment, bootstrap),
        "--group",
        f"{deployment.prefix}-delivery",
    ]


@dataclass
class Service:
    """A subprocess we started, with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.process.pid

    def check_alive(self) -> None:
        """Raise with the end of its log if it exited."""
        code = self.process.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} exited with code {code}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of its output."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        stop_process(self.process, self.name, STOP_TIMEOUT_S)


def start_service(
    name: str,
    argv: Sequence[str],
    log_dir: Path,
    *,
    log_level: str = "WARNING",
    env_extra: Mapping[str, str] | None = None,
) -> Service:
    """Start ``python ARGV`` from the repository root, output to ``log_dir/<name>.log``.

    A restarted service appends to the log of its earlier runs. ``env_extra`` adds
    environment variables for this process only.
    """
    env = {**os.environ, **(env_extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("CORRIDOR_LOG_LEVEL", log_level)
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, *argv],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Service(name=name, process=process, log_path=log_path)


def start_corridor(
    name: str, args: Sequence[str], log_dir: Path, *, env_extra: Mapping[str, str] | None = None
) -> Service:
    """Start ``corridor ARGS`` (``python -m corridor_cli.main``) as :func:`start_service`."""
    return start_service(name, ["-m", "corridor_cli.main", *args], log_dir, env_extra=env_extra)


@contextlib.contextmanager
def running(*services: Service) -> Iterator[tuple[Service, ...]]:
    """Stop ``services`` (last started first) when the block ends, however it ends."""
    try:
        yield services
    finally:
        for service in reversed(services):
            service.stop()


def alive_check(*services: Service) -> Callable[[], None]:
    """A callable raising if any of ``services`` died."""

    def check() -> None:
        for service in services:
            service.check_alive()

    return check


@contextlib.contextmanager
def kafka_broker(
    bootstrap: str | None, home: Path, brokers: int = 1
) -> Iterator[tuple[str, tuple[int, ...]]]:
    """``(bootstrap, broker pids)``: the given cluster (no pids) or a cluster of our own.

    Our own cluster of ``brokers`` nodes runs on free ports in ``home`` and is stopped
    when the block ends.
    """
    if bootstrap:
        yield bootstrap, ()
        return
    cluster = LocalKafkaCluster.on_free_ports(home, brokers)
    try:
        started = cluster.start(timeout=120.0)
        yield started, tuple(cluster.running_pids().values())
    finally:
        cluster.stop()

"""A running pipeline on the real broker: Faust worker and delivery service as processes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from kafka import KafkaConsumer
from prometheus_client.parser import text_string_to_metric_families
from taskforce_file import Member, taskforce_toml

from consumers.topic_reader import group_caught_up
from kafka_local.cluster import LocalKafkaCluster
from kafka_local.config import free_port
from kafka_local.errors import KafkaToolError
from processes import stop_process
from schemas.keys import generate_encryption_key, generate_private_key, write_private_key
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")

HUB = "TF-HUB"
MEMBERS = (
    Member("PK-FIA", "investigation_agency"),
    Member("TR-SG", "coast_guard"),
    Member("GR-HCG", "coast_guard", personal_data=True),
    Member("EU-EUROPOL", "eu_partner", publishes=False),
)


def taskforce_text(prefix: str) -> str:
    """The integration tests' task-force file under ``prefix``."""
    return taskforce_toml("integration test task force", prefix, MEMBERS)


def wait_for(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll ``condition`` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Pipeline:
    """A pipeline deployment under a unique topic prefix."""

    bootstrap: str
    workdir: Path
    config: Path
    taskforce: TaskForce
    keys: dict[str, Ed25519PrivateKey]
    trust_store: TrustStore
    delivery_group: str
    worker_metrics_port: int
    encryption_keys: dict[str, X25519PrivateKey] = field(default_factory=dict)
    """Every member's X25519 decryption key (GR-HCG is the one cleared for personal data)."""
    delivery_metrics_port: int = 0
    """Where the delivery service serves its /metrics."""

    def worker_metric(self, name: str, **labels: str) -> float:
        """Current value of one sample on the streams worker's /metrics."""
        return scrape_metric(self.worker_metrics_port, name, **labels)

    def read_topic(
        self, topic: str, until: Callable[[list[Any]], bool], timeout: float
    ) -> list[Any]:
        """Read ``topic`` from the beginning until ``until(records)`` holds."""
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        records: list[Any] = []
        try:

            def poll() -> bool:
                for batch in consumer.poll(timeout_ms=200).values():
                    records.extend(batch)
                return until(records)

            wait_for(poll, timeout, f"records on {topic}")
        finally:
            consumer.close()
        return records

    def delivery_caught_up(self) -> bool:
        """True once the delivery service committed everything on the alerts topic.

        It commits a batch only after every inbox write of it was acknowledged.
        """
        return group_caught_up(self.bootstrap, self.taskforce.topics.alerts, self.delivery_group)


def scrape_metric(port: int, name: str, **labels: str) -> float:
    """Current value of one sample on a process's /metrics (0 when absent)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def _metrics_answer(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:  # not listening yet
        return False


def run_corridor(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``corridor ARGS`` to completion, capturing its output (never raises on exit code)."""
    return subprocess.run(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def streams_worker_args(common: list[str], workdir: Path, prefix: str) -> list[str]:
    """``streams worker`` of a test hub: its own web port, data dir and app id, the hub key.

    ``common`` holds ``--config`` and ``--bootstrap``; callers add ``--metrics-port``.
    """
    return [
        "streams",
        "worker",
        *common,
        "--web-port",
        str(free_port()),
        "--data-dir",
        str(workdir / "streams"),
        "--app-id",
        f"{prefix}-streams",
        "--hub-key",
        str(workdir / "hub.key"),
    ]


def start_corridor(
    args: list[str], log: Path, log_format: str = "text", **popen: Any
) -> subprocess.Popen[bytes]:
    """Start ``corridor ARGS`` with stderr (and stdout unless given) appended to ``log``."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CORRIDOR_LOG_LEVEL": "INFO",
        "CORRIDOR_LOG_FORMAT": log_format,
    }
    with log.open("ab") as out:
        stdout = popen.pop("stdout", out)
        return subprocess.Popen(
            [sys.executable, "-m", "corridor_cli.main", *args],
            cwd=REPO,
            env=env,
            stdout=stdout,
            stderr=out,
            **popen,
        )


@contextlib.contextmanager
def running_pipeline(bootstrap: str, workdir: Path, extra_toml: str = "") -> Iterator[Pipeline]:
    """Topics, a streams worker and a delivery service on ``bootstrap`` under a fresh prefix.

    ``extra_toml`` is appended to the task-force file (e.g. a ``[kafka]`` table).
    """
    prefix = f"it-{uuid.uuid4().hex[:8]}"
    config = workdir / "taskforce.toml"
    config.write_text(taskforce_text(prefix) + extra_toml, "utf-8")
    keys = {agency: generate_private_key() for agency in ("PK-FIA", "TR-SG", "GR-HCG", HUB)}
    encryption_keys = {
        agency: generate_encryption_key() for agency in ("PK-FIA", "TR-SG", "GR-HCG", "EU-EUROPOL")
    }
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    for agency, decryption_key in encryption_keys.items():
        store = store.with_encryption_key(agency, agency, decryption_key.public_key())
    save_trust_store(workdir / "trust-store.json", store)
    write_private_key(workdir / "hub.key", keys[HUB])
    taskforce = load_taskforce(config)
    create_topics(bootstrap, pipeline_topics(taskforce), taskforce.replication)
    group = f"{prefix}-delivery"
    worker_metrics_port = free_port()
    common = ["--config", str(config), "--bootstrap", bootstrap]
    worker = start_corridor(
        [
            *streams_worker_args(common, workdir, prefix),
            "--metrics-port",
            str(worker_metrics_port),
        ],
        workdir / "worker.log",
        log_format="json",  # as a log shipper would read them; test_personal_data checks them
    )
    delivery_metrics_port = free_port()
    delivery = start_corridor(
        ["delivery", *common, "--metrics-port", str(delivery_metrics_port), "--group", group],
        workdir / "delivery.log",
        log_format="json",
    )
    try:
        # Tests read these processes' metrics: the endpoints answer before any test starts,
        # whichever test runs first.
        for port, name in ((worker_metrics_port, "worker"), (delivery_metrics_port, "delivery")):
            wait_for(lambda port=port: _metrics_answer(port), 90, f"the {name}'s /metrics")
        yield Pipeline(
            bootstrap=bootstrap,
            workdir=workdir,
            config=config,
            taskforce=taskforce,
            keys=keys,
            trust_store=store,
            delivery_group=group,
            worker_metrics_port=worker_metrics_port,
            encryption_keys=encryption_keys,
            delivery_metrics_port=delivery_metrics_port,
        )
    finally:
        stop_process(worker, "streams worker")
        stop_process(delivery, "delivery service")
        for name in ("worker.log", "delivery.log"):
            sys.stderr.write(f"--- {name} (tail) ---\n")
            sys.stderr.write((workdir / name).read_text("utf-8", "replace")[-3000:])


@pytest.fixture(scope="session")
def pipeline(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """The pipeline on the session's single broker."""
    with running_pipeline(kafka_bootstrap, tmp_path_factory.mktemp("pipeline")) as deployed:
        yield deployed


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafkaCluster]:
    """A three-node KRaft cluster of the project's own, started when a test first asks.

    Only tests about replication and broker failures use it: the rest of the suite runs on
    the single session broker (``kafka_bootstrap``), which starts faster and uses less.
    A cluster that cannot start fails the test (never a skip).
    """
    cluster = LocalKafkaCluster.on_free_ports(tmp_path_factory.mktemp("kafka-cluster"), 3)
    try:
        cluster.start(timeout=180.0)
    except KafkaToolError as exc:
        cluster.stop()
        pytest.fail(f"could not start the local three-node Kafka cluster:\n{exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()

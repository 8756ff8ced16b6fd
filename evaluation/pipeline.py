"""One scenario through a fresh pipeline on the real broker: publish, replay, wait, read back.

Deploys its own topic prefix, keys, trust store and Faust worker, publishes every
agency's file with ``corridor publish --file``, sends every 10th inbound record
again byte for byte, waits until the worker has committed everything, and reads
back the deliveries (for dedupe scores) and the verified incidents.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "deploy")]

from kafka import KafkaProducer  # noqa: E402

from consumers.incident_log import IncidentLog  # noqa: E402
from consumers.topic_reader import group_caught_up, read_to_end  # noqa: E402
from evaluation.dedupe_truth import dedupe_clusters  # noqa: E402
from evaluation.scoring import PairScores, pairwise  # noqa: E402
from kafka_local.config import free_port  # noqa: E402
from processes import stop_process  # noqa: E402
from producers.simulation import Scenario  # noqa: E402
from schemas.envelope import HEADER_MESSAGE_ID, open_envelope  # noqa: E402
from schemas.keys import generate_private_key, write_private_key  # noqa: E402
from schemas.taskforce import TaskForce, load_taskforce  # noqa: E402
from schemas.truststore import TrustStore, load_trust_store, save_trust_store  # noqa: E402
from streams.admin import create_topics  # noqa: E402
from streams.topology import pipeline_topics  # noqa: E402

WORKDIR = REPO / ".local" / "eval"
#: Every this many published records, one is sent again byte for byte.
REPLAY_EVERY = 10


@dataclass(frozen=True)
class PipelineRun:
    """What the real pipeline made of one scenario."""

    records: int
    """Published records, replays included."""
    replays: int
    """Records sent again byte for byte."""
    expected_deliveries: int
    """Deliveries the labels call for."""
    deliveries: int
    """Records on the alerts topic."""
    dedupe: PairScores
    """Deduplication scores."""
    membership: dict[str, str]
    """``AGENCY:alert_id -> incident id`` of ACTIVE incidents."""
    seconds: float
    """First publish until the worker committed everything."""


def _corridor(*args: str, log: Path) -> int:
    with log.open("ab") as out:
        return subprocess.run(
            [sys.executable, "-m", "corridor_cli.main", *args],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode


def _deploy(workdir: Path, prefix: str, bootstrap: str) -> tuple[TaskForce, Path]:
    base = load_taskforce(REPO / "deploy" / "local" / "taskforce.toml")
    store = TrustStore(agencies={})
    keys_dir = workdir / "keys"
    keys_dir.mkdir(parents=True, exist_ok=True)
    for agency in [m.agency_id for m in base.publishers] + [base.hub_id]:
        key = generate_private_key()
        write_private_key(keys_dir / f"{agency}.key", key, overwrite=True)
        store = store.with_key(agency, agency, key.public_key())
    save_trust_store(workdir / "trust-store.json", store)
    config = workdir / "taskforce.toml"
    config.write_text(
        (REPO / "deploy" / "local" / "taskforce.toml").read_text("utf-8"), encoding="utf-8"
    )
    taskforce = load_taskforce(config, topic_prefix=prefix)
    create_topics(bootstrap, pipeline_topics(taskforce), taskforce.replication)
    return taskforce, keys_dir


def _replay(bootstrap: str, taskforce: TaskForce) -> list[tuple[str, bytes]]:
    """Send every REPLAY_EVERY-th inbound record again, same bytes and headers."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    replayed: list[tuple[str, bytes]] = []
    try:
        for member in taskforce.publishers:
            topic = taskforce.topics.inbound(member.agency_id)
            for index, record in enumerate(read_to_end(bootstrap, topic)):
                if index % REPLAY_EVERY == REPLAY_EVERY - 1:
                    producer.send(
                        topic, key=record.key, value=record.value, headers=list(record.headers)
                    ).get(30)
                    replayed.append((topic, record.value))
    finally:
        producer.close()
    return replayed


def _caught_up(bootstrap: str, taskforce: TaskForce, group: str) -> bool:
    topics = [taskforce.topics.inbound(m.agency_id) for m in taskforce.publishers]
    topics += [taskforce.topics.verified, taskforce.topics.correlation]
    return all(group_caught_up(bootstrap, topic, group) for topic in topics)


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"eval: timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def _start_worker(
    workdir: Path, prefix: str, bootstrap: str, hub_key: Path, log: BinaryIO
) -> subprocess.Popen[bytes]:
    """The Faust worker of this run, logging to ``log`` (closed by the caller after it stops)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "corridor_cli.main",
            "streams",
            "worker",
            "--config",
            str(workdir / "taskforce.toml"),
            "--topic-prefix",
            prefix,
            "--bootstrap",
            bootstrap,
            "--metrics-port",
            "0",
            "--web-port",
            str(free_port()),
            "--data-dir",
            str(workdir / "streams"),
            "--app-id",
            f"{prefix}-streams",
            "--hub-key",
            str(hub_key),
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def run_pipeline(bootstrap: str, scenario: Scenario) -> PipelineRun:
    """Run ``scenario`` through a fresh pipeline; read back deliveries and incidents."""
    prefix = f"eval-{uuid.uuid4().hex[:6]}"
    workdir = WORKDIR / prefix
    workdir.mkdir(parents=True)
    scenario_dir = workdir / "scenario"
    scenario.write(scenario_dir)
    taskforce, keys_dir = _deploy(workdir, prefix, bootstrap)
    app_id = f"{prefix}-streams"
    log = workdir / "run.log"
    with (workdir / "worker.log").open("wb") as worker_log:
        worker = _start_worker(
            workdir, prefix, bootstrap, keys_dir / f"{taskforce.hub_id}.key", worker_log
        )
        try:
            started = time.monotonic()
            for path in sorted(scenario_dir.glob("alerts-*.jsonl")):
                agency = path.stem.removeprefix("alerts-")
                code = _corridor(
                    "publish",
                    "--agency",
                    agency,
                    "--key",
                    str(keys_dir / f"{agency}.key"),
                    "--file",
                    str(path),
                    "--bootstrap",
                    bootstrap,
                    "--topic-prefix",
                    prefix,
                    log=log,
                )
                if code != 0:
                    raise SystemExit(f"eval: corridor publish failed for {agency} (see {log})")
            replayed = _replay(bootstrap, taskforce)
            _wait(lambda: _caught_up(bootstrap, taskforce, app_id), 600, "the worker to catch up")
            seconds = time.monotonic() - started
        finally:
            stop_process(worker, "streams worker")

    inbound = {
        m.agency_id: read_to_end(bootstrap, taskforce.topics.inbound(m.agency_id))
        for m in taskforce.publishers
    }
    published = [open_envelope(r.value) for records in inbound.values() for r in records]
    delivered = [
        dict(r.headers)[HEADER_MESSAGE_ID].decode()
        for r in read_to_end(bootstrap, taskforce.topics.alerts)
    ]
    truth, predicted = dedupe_clusters(published, delivered)
    dedupe = pairwise(truth, predicted)

    incident_log = IncidentLog(
        trust_store=load_trust_store(workdir / "trust-store.json"),
        topics=taskforce.topics,
        hub_id=taskforce.hub_id,
    )
    for record in read_to_end(bootstrap, taskforce.topics.incidents):
        incident_log.add(record.value, list(record.headers))
    if incident_log.rejected:
        raise SystemExit(f"eval: incident records failed verification: {incident_log.rejected}")
    active = [i for i in incident_log.latest.values() if i["status"] == "ACTIVE"]
    membership = {
        f"{m['agency']}:{m['alert_id']}": incident["incident_id"]
        for incident in active
        for m in incident["members"]
    }
    (workdir / "incidents.jsonl").write_text(
        "".join(json.dumps(i, default=str) + "\n" for i in active), encoding="utf-8"
    )
    return PipelineRun(
        records=len(published),
        replays=len(replayed),
        expected_deliveries=len({label for label in truth.values() if label is not None}),
        deliveries=len(delivered),
        dedupe=dedupe,
        membership=membership,
        seconds=seconds,
    )

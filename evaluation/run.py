"""``make eval``: labelled scenarios through the real pipeline, scored pairwise.

For each difficulty: simulate a seeded scenario, deploy a fresh pipeline (own
topic prefix, keys, trust store, Faust worker) on the local broker, publish every
agency's file with ``corridor publish --file``, replay some records byte for byte,
wait until the worker has committed everything, then score

* deduplication: published records clustered by the delivery they collapsed
  into, against the labels (same alert and revision; a late older revision
  belongs to the revision it lost to);
* correlation: alerts clustered by ACTIVE incident (``corridor incidents export``),
  against the labelled operations (decoys are singletons).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "deploy")]

from kafka import KafkaProducer  # noqa: E402

import local_kafka  # noqa: E402
from consumers.incident_log import IncidentLog  # noqa: E402
from consumers.topic_reader import group_caught_up, read_to_end  # noqa: E402
from evaluation.dedupe_truth import dedupe_clusters  # noqa: E402
from evaluation.scoring import PairScores, pairwise  # noqa: E402
from processes import stop_process  # noqa: E402
from producers.simulation import simulate  # noqa: E402
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
class Result:
    """Scores of one scenario."""

    difficulty: float
    seed: int
    alerts: int
    records: int
    replays: int
    operations: int
    incidents: int
    expected_deliveries: int
    deliveries: int
    dedupe: PairScores
    correlation: PairScores
    seconds: float


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
    create_topics(bootstrap, pipeline_topics(taskforce))
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


def run_scenario(bootstrap: str, seed: int, difficulty: float, size: int) -> Result:
    """Simulate, run through a fresh pipeline, score."""
    prefix = f"eval-{uuid.uuid4().hex[:6]}"
    workdir = WORKDIR / prefix
    workdir.mkdir(parents=True)
    scenario = simulate(seed, difficulty=difficulty, operations=size, decoys=size * 3 // 2)
    scenario_dir = workdir / "scenario"
    scenario.write(scenario_dir)
    labels = scenario.labels()
    taskforce, keys_dir = _deploy(workdir, prefix, bootstrap)
    app_id = f"{prefix}-streams"
    log = workdir / "run.log"
    worker = subprocess.Popen(
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
            str(local_kafka.free_port()),
            "--data-dir",
            str(workdir / "streams"),
            "--app-id",
            app_id,
            "--hub-key",
            str(keys_dir / f"{taskforce.hub_id}.key"),
        ],
        cwd=REPO,
        stdout=(workdir / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
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
    correlation = pairwise(labels["alerts"], membership)
    (workdir / "incidents.jsonl").write_text(
        "".join(json.dumps(i, default=str) + "\n" for i in active), encoding="utf-8"
    )
    return Result(
        difficulty=difficulty,
        seed=seed,
        alerts=len(labels["alerts"]),
        records=len(published),
        replays=len(replayed),
        operations=len(labels["operations"]),
        expected_deliveries=len({label for label in truth.values() if label is not None}),
        deliveries=len(delivered),
        incidents=len(active),
        dedupe=dedupe,
        correlation=correlation,
        seconds=seconds,
    )


def _row(result: Result) -> str:
    d, c = result.dedupe, result.correlation
    return (
        f"{result.difficulty:>10.1f} {result.alerts:>6} {result.records:>7} "
        f"{result.deliveries:>5}/{result.expected_deliveries:<5} "
        f"{d.precision:>6.3f} {d.recall:>6.3f} {d.f1:>6.3f}   "
        f"{result.incidents:>4}/{result.operations:<4} "
        f"{c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f} {result.seconds:>8.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7, help="scenario seed (default 7)")
    parser.add_argument(
        "--difficulties", default="0.2,0.5,0.8", help="comma list in [0,1]; 0.5 is the default"
    )
    parser.add_argument("--operations", type=int, default=40, help="operations per scenario")
    args = parser.parse_args(argv)
    difficulties = [float(d) for d in args.difficulties.split(",")]
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    broker = None
    if not bootstrap:
        broker = local_kafka.LocalKafka(local_kafka.BrokerConfig())
        if broker.is_running():
            bootstrap, broker = broker.bootstrap, None  # someone else's: reuse, do not stop
        else:
            bootstrap = broker.start()
    try:
        results = []
        for difficulty in difficulties:
            print(f"scenario seed {args.seed}, difficulty {difficulty} ...", flush=True)
            results.append(run_scenario(bootstrap, args.seed, difficulty, args.operations))
    finally:
        if broker is not None:
            broker.stop()
    print()
    print(
        "difficulty alerts records deliv/expect  dedupe P      R     F1   "
        "inc/ops  corr P      R     F1  seconds"
    )
    for result in results:
        print(_row(result))
    print(
        "\npairwise scores; dedupe over published records (incl. byte-for-byte replays), "
        "correlation over alerts (decoys are singletons); seconds from the first publish "
        "until the worker committed everything; details under .local/eval/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

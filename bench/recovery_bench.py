"""How long the pipeline stands still after a hub process is SIGKILLed and restarted.

For the streams worker and the delivery service in turn: with the pipeline running
and caught up, the process is killed (SIGKILL: no commit, no LeaveGroup), one alert
is published and acknowledged, the process is restarted, and the time from the
restart to that alert's record on a member's inbox topic is measured. Prints one
line per run and a summary. Needs KAFKA_BOOTSTRAP (e.g. ``make kafka-up``).

    python bench/recovery_bench.py [--runs 3] [--session-timeout 6] [--group-instance-id ID]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "deploy")]

from taskforce_file import Member  # noqa: E402

from kafka_local.config import free_port  # noqa: E402
from processes import stop_process  # noqa: E402
from producers.publisher import AlertPublisher  # noqa: E402
from producers.scenarios import sample_datum  # noqa: E402
from producers.settings import PublisherSettings  # noqa: E402
from schemas.taskforce import load_taskforce  # noqa: E402
from streams.admin import create_topics  # noqa: E402
from streams.topology import pipeline_topics  # noqa: E402
from throwaway_deployment import make_deployment  # noqa: E402

MEMBERS = (
    Member("PK-FIA", "investigation_agency"),
    Member("EU-EUROPOL", "eu_partner", publishes=False),
)
RECIPIENT = "EU-EUROPOL"
TIMEOUT_S = 180.0


def wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="kills per process (%(default)s)")
    parser.add_argument("--session-timeout", default=None, help="passed on to both processes")
    parser.add_argument(
        "--group-instance-id", default=None, help="the delivery service's static membership"
    )
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    workdir = Path(tempfile.mkdtemp(prefix="recovery-bench-"))
    prefix = f"recovery-{uuid.uuid4().hex[:8]}"
    deployment = make_deployment(
        workdir, prefix, ["PK-FIA"], [RECIPIENT], members=MEMBERS, name="recovery bench"
    )
    config, keys = deployment.config, deployment.keys
    taskforce = load_taskforce(config)
    create_topics(bootstrap, pipeline_topics(taskforce), taskforce.replication)
    common = ["--config", str(config), "--bootstrap", bootstrap, "--metrics-port", "0"]
    if args.session_timeout:
        common += ["--session-timeout", args.session_timeout]

    def instance(name: str) -> list[str]:
        if args.group_instance_id is None:
            return []
        return ["--group-instance-id", f"{args.group_instance_id}-{name}"]

    commands = {
        "worker": [
            "streams", "worker", *common, "--web-port", str(free_port()),
            "--data-dir", str(workdir / "streams"), "--app-id", f"{prefix}-streams",
            "--hub-key", str(deployment.hub_key),
        ],
        "delivery": ["delivery", *common, "--group", f"{prefix}-delivery", *instance("delivery")],
    }  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def start(name: str) -> subprocess.Popen[bytes]:
        with (workdir / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "corridor_cli.main", *commands[name]],
                cwd=REPO, env=env, stdout=log, stderr=log,
            )  # fmt: skip

    inbox = TopicPartition(taskforce.topics.inbox(RECIPIENT), 0)
    reader = KafkaConsumer(bootstrap_servers=bootstrap)
    parts = [TopicPartition(inbox.topic, p) for p in reader.partitions_for_topic(inbox.topic)]

    def inbox_records() -> int:
        return sum(reader.end_offsets(parts).values())

    settings = PublisherSettings(bootstrap=bootstrap, topics=taskforce.topics)
    sequence = iter(range(1_000_000))

    def publish_one() -> None:
        with AlertPublisher(settings, keys["PK-FIA"]) as publisher:
            alert = {**sample_datum("PK-FIA", next(sequence)), "tlp": "GREEN"}
            alert["handling_code"] = "H1"
            outcome = publisher.publish([publisher.sign(alert)])[0]
        if not outcome.ok:
            raise SystemExit(f"publish failed: {outcome.error}")

    processes = {name: start(name) for name in commands}
    figures: dict[str, list[float]] = {name: [] for name in commands}
    try:
        before = inbox_records()
        publish_one()
        wait(lambda: inbox_records() > before, "the first delivery")
        for run in range(args.runs):
            for name in commands:
                processes[name].send_signal(signal.SIGKILL)
                processes[name].wait(30)
                before = inbox_records()
                publish_one()
                processes[name] = start(name)
                started = time.monotonic()
                wait(lambda b=before: inbox_records() > b, f"a delivery after restarting {name}")
                seconds = time.monotonic() - started
                figures[name].append(seconds)
                print(
                    f"run {run + 1}: {name:8s} SIGKILLed and restarted: "
                    f"first new inbox record {seconds:5.1f} s after the restart",
                    flush=True,
                )
    finally:
        reader.close()
        for name, process in processes.items():
            stop_process(process, name)
    for name, values in figures.items():
        print(
            f"{name:8s}: median {statistics.median(values):.1f} s, "
            f"max {max(values):.1f} s over {len(values)} restarts"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

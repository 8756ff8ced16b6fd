"""A hub whose streams worker the crash tests kill, and a checker that reads the topics.

The checker trusts no counter of the pipeline: it reads what the publishers had
acknowledged on the inbound topics, and what the worker wrote on the verified and
alerts topics, and compares them record by record. Who is entitled to what comes
from the fault matrix's checker (``faults/checker.py``), which this test shares.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from faults.checker import entitled_recipients
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.keys import generate_private_key, write_private_key
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.integration.conftest import (
    HUB,
    start_corridor,
    streams_worker_args,
    taskforce_text,
    wait_for,
)

PUBLISHERS = ("PK-FIA", "TR-SG", "GR-HCG")

#: (alert key ``AGENCY:alert_id``, revision): one revision of one alert.
Revision = tuple[bytes, int]


def backlog(alerts_per_agency: int, revisions: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Per agency, its alerts' revisions in publishing order: each alert's in increasing
    order, interleaved with the others' at random, so neighbouring records on a partition
    are often two revisions of one alert."""
    rng = random.Random(seed)
    order: dict[str, list[dict[str, Any]]] = {}
    for agency in PUBLISHERS:
        pending = {
            seq: [
                {**sample_datum(agency, seq), "revision": r, "estimated_persons": 10 + r}
                for r in range(1, revisions + 1)
            ]
            for seq in range(alerts_per_agency)
        }
        sequence = []
        while pending:
            seq = rng.choice(sorted(pending))
            sequence.append(pending[seq].pop(0))
            if not pending[seq]:
                del pending[seq]
        order[agency] = sequence
    return order


@dataclass
class CrashHub:
    """Topics, keys and a streams worker under a unique prefix; the worker can be killed."""

    bootstrap: str
    workdir: Path
    prefix: str
    config: Path
    taskforce: TaskForce
    keys: dict[str, Any]
    worker: subprocess.Popen[bytes] | None = None
    delivery: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)
    """How long each restarted worker took to pass its first new record on (s)."""

    @property
    def common(self) -> list[str]:
        return ["--config", str(self.config), "--bootstrap", self.bootstrap]

    @property
    def worker_group(self) -> str:
        return f"{self.prefix}-streams"

    @property
    def delivery_group(self) -> str:
        return f"{self.prefix}-delivery"

    def publish(self, order: dict[str, list[dict[str, Any]]]) -> None:
        """Publish every agency's alerts; each acknowledged by the broker."""
        settings = PublisherSettings(bootstrap=self.bootstrap, topics=self.taskforce.topics)
        for agency, alerts in order.items():
            with AlertPublisher(settings, self.keys[agency]) as publisher:
                outcomes = publisher.publish([publisher.sign(a) for a in alerts])
            assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]

    def start_worker(self) -> None:
        args = [*streams_worker_args(self.common, self.workdir, self.prefix), "--metrics-port", "0"]
        self.worker = start_corridor(args, self.workdir / "worker.log")

    def kill_worker(self) -> None:
        """SIGKILL: no commit, no LeaveGroup, nothing flushed."""
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=30)
        self.worker = None

    def start_delivery(self) -> None:
        args = ["delivery", *self.common, "--metrics-port", "0", "--group", self.delivery_group]
        self.delivery = start_corridor(args, self.workdir / "delivery.log")

    def run_with_kills(
        self, order: dict[str, list[dict[str, Any]]], kill_after: list[int], timeout: float
    ) -> None:
        """Start the worker and pass one alert through it (its agents and tables are up);
        publish the rest of ``order`` as a backlog; SIGKILL and restart the worker once the
        alerts topic has each count of ``kill_after`` records; then let it drain.

        The warm-up keeps a worker's first start on new topics, which sometimes crash-loops
        an agent (issue 12 item 4), apart from what this test checks.
        """
        topics = self.taskforce.topics
        sources = [topics.inbound(a) for a in PUBLISHERS] + [topics.verified]
        first, *rest = order[PUBLISHERS[0]]
        with GroupProgress(self.bootstrap, self.worker_group) as progress:

            def alerts() -> int:
                return progress.records(topics.alerts)

            self.start_worker()
            self.publish({PUBLISHERS[0]: [first]})
            wait_for(lambda: alerts() >= 1, timeout, "the warm-up alert")
            self.publish({**order, PUBLISHERS[0]: rest})
            for count in kill_after:
                wait_for(lambda c=count: alerts() >= c, timeout, f"{count} alerts")
                self.kill_worker()
                before = alerts()
                self.start_worker()
                started = time.monotonic()
                wait_for(lambda b=before: alerts() > b, timeout, "the restarted worker")
                self.restarts.append(time.monotonic() - started)
            wait_for(lambda: progress.caught_up(sources), timeout, "the worker to drain")

    def wait_for_delivery(self, timeout: float) -> None:
        """Until the delivery service committed the end of the alerts topic."""
        with GroupProgress(self.bootstrap, self.delivery_group) as progress:
            alerts = [self.taskforce.topics.alerts]
            wait_for(lambda: progress.caught_up(alerts), timeout, "the delivery service")

    def stop(self) -> None:
        for process, name in ((self.worker, "streams worker"), (self.delivery, "delivery")):
            if process is not None:
                stop_process(process, name)


class GroupProgress:
    """Records on topics and a group's commits, read by one client for the whole wait.

    (One client per poll would open and drop a connection every few hundred ms.)
    A consumer that never subscribes does not join the group; it only reads commits.
    """

    def __init__(self, bootstrap: str, group: str) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group)

    def __enter__(self) -> GroupProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._consumer.close()

    def _partitions(self, topic: str) -> list[TopicPartition]:
        found = self._consumer.partitions_for_topic(topic) or set()
        return [TopicPartition(topic, p) for p in sorted(found)]

    def records(self, topic: str) -> int:
        """Records ever written to ``topic`` (the sum of its end offsets)."""
        return sum(self._consumer.end_offsets(self._partitions(topic)).values())

    def caught_up(self, topics: list[str]) -> bool:
        """The group committed the end of every partition of ``topics``."""
        for topic in topics:
            parts = self._partitions(topic)
            for tp, end in self._consumer.end_offsets(parts).items():
                if end and (self._consumer.committed(tp) or 0) < end:
                    return False
        return True


def crash_hub(bootstrap: str, workdir: Path) -> Iterator[CrashHub]:
    """A fresh hub (topics created, no process started); stops what it started."""
    prefix = f"crash-{uuid.uuid4().hex[:8]}"
    config = workdir / "taskforce.toml"
    config.write_text(taskforce_text(prefix), "utf-8")
    keys = {agency: generate_private_key() for agency in (*PUBLISHERS, HUB)}
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    save_trust_store(workdir / "trust-store.json", store)
    write_private_key(workdir / "hub.key", keys[HUB])
    taskforce = load_taskforce(config)
    create_topics(bootstrap, pipeline_topics(taskforce))
    hub = CrashHub(bootstrap, workdir, prefix, config, taskforce, keys)
    try:
        yield hub
    finally:
        hub.stop()


def revision_of(record: Any) -> int:
    """The signed alert's revision (not a header: the checker trusts no hub header)."""
    _, alert = decode_single_object(open_envelope(record.value).payload)
    return int(alert["revision"])


def first_seen_order(records: list[Any]) -> dict[int, list[Revision]]:
    """Per partition, each (key, revision) in the order it first appears."""
    seen: set[Revision] = set()
    order: dict[int, list[Revision]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        item = (bytes(record.key), revision_of(record))
        if item not in seen:
            seen.add(item)
            order[record.partition].append(item)
    return order


def out_of_order(order: dict[int, list[Revision]]) -> list[str]:
    """Where a revision first appears before a lower revision of the same alert."""
    problems = []
    for partition, items in order.items():
        highest: dict[bytes, int] = {}
        for key, revision in items:
            if revision < highest.get(key, 0):
                problems.append(
                    f"partition {partition}: {key.decode()} revision {revision} "
                    f"after revision {highest[key]}"
                )
            highest[key] = max(highest.get(key, 0), revision)
    return problems


def entitled(
    order: dict[str, list[dict[str, Any]]], recipient: str, taskforce: TaskForce
) -> set[tuple[str, int]]:
    """(``AGENCY:alert_id``, revision) of every published alert ``recipient`` may receive."""
    assert taskforce.member(recipient) is not None
    return {
        (f"{agency}:{alert['alert_id']}", alert["revision"])
        for agency, alerts in order.items()
        for alert in alerts
        if entitled_recipients(agency, alert, taskforce, [recipient])
    }

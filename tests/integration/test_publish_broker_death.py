"""``corridor publish`` when its broker is killed mid-publish: every alert gets an outcome.

The test starts a throw-away broker of its own (the session broker is shared), kills it
with SIGKILL as soon as the first outcome is printed, and checks that the command ends
within its delivery timeout with exit 1, no traceback and one outcome per alert; then it
restarts the broker and reads back every alert reported *published* at its offset.
"""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from kafka_local.config import BrokerConfig
from kafka_local.node import LocalKafka
from processes import pid_alive, signal_group
from producers.scenarios import sample_alert
from schemas.keys import generate_private_key, write_private_key
from schemas.topics import TopicNames
from streams.admin import create_topics
from streams.topology import TopicSpec
from tests.integration.conftest import REPO, wait_for

pytestmark = pytest.mark.integration

ALERTS = 1500
"""Enough that the broker is still receiving them when the first acknowledgement arrives."""
DELIVERY_TIMEOUT_S = 6
STATUSES = {"published", "failed", "unknown"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalKafka]:
    kafka = LocalKafka(BrokerConfig.on_free_ports(tmp_path / "kafka"))
    try:
        kafka.start(timeout=120.0)
        yield kafka
    finally:
        kafka.stop()


def _first_line(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The first line the process prints on stdout (waiting on the pipe, with a deadline)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no outcome printed within {timeout:.0f}s")
    return process.stdout.readline()


def _kill(broker: LocalKafka) -> None:
    pid = broker.running_pid()
    assert pid is not None
    signal_group(pid, signal.SIGKILL)
    wait_for(lambda: not pid_alive(pid), 30, "the killed broker to be gone")


def _records(bootstrap: str, topic: str, partitions: int) -> dict[tuple[int, int], Any]:
    """Every record of ``topic`` by (partition, offset)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        records: dict[tuple[int, int], Any] = {}

        def read_to_end() -> bool:
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    records[(record.partition, record.offset)] = record
            return all(consumer.position(tp) >= ends[tp] for tp in assigned)

        wait_for(read_to_end, 60, f"the records of {topic}")
        return records
    finally:
        consumer.close()


def test_broker_killed_mid_publish(broker: LocalKafka, tmp_path: Path) -> None:
    topics = TopicNames(f"pbd-{uuid.uuid4().hex[:8]}")
    topic = topics.inbound("PK-FIA")
    create_topics(broker.bootstrap, [TopicSpec(topic, 3)])
    key = tmp_path / "PK-FIA.key"
    write_private_key(key, generate_private_key())
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(
        "".join(json.dumps(sample_alert("PK-FIA", 7000 + i)) + "\n" for i in range(ALERTS)),
        "utf-8",
    )
    stderr = tmp_path / "publish.err"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "corridor_cli.main",
                "publish",
                "--agency",
                "PK-FIA",
                "--key",
                str(key),
                "--file",
                str(alerts),
                "--json",
                "--delivery-timeout",
                str(DELIVERY_TIMEOUT_S),
                "--bootstrap",
                broker.bootstrap,
                "--topic-prefix",
                topics.prefix,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: readline takes one line, communicate() the rest
            stderr=err,
        )
        try:
            first = _first_line(process, timeout=300)  # a loaded machine starts slowly
            _kill(broker)
            killed_at = time.monotonic()
            rest, _ = process.communicate(timeout=300)
            ended_after = time.monotonic() - killed_at
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    errors = stderr.read_text("utf-8", "replace")
    assert "Traceback" not in errors, errors
    assert process.returncode == 1, errors
    # Bounded: the delivery timeout, the producer's expiry grace (2 s) and closing (at most
    # 5 s), with room for a loaded machine; before, it was over twice the timeout plus 13 s.
    assert ended_after < DELIVERY_TIMEOUT_S + 20, f"{ended_after:.1f}s after the kill"

    outcomes = [json.loads(line) for line in (first + rest).decode().splitlines()]
    assert len(outcomes) == ALERTS, errors
    assert sorted(o["alert_id"] for o in outcomes) == sorted(
        sample_alert("PK-FIA", 7000 + i)["alert_id"] for i in range(ALERTS)
    )
    by_status = {s: [o for o in outcomes if o["status"] == s] for s in STATUSES}
    assert sum(len(v) for v in by_status.values()) == ALERTS, {o["status"] for o in outcomes}
    assert by_status["published"], "the first outcome printed was an acknowledgement"
    assert by_status["unknown"] or by_status["failed"], "the kill came after every ack"
    assert all(o["error"] for o in by_status["unknown"] + by_status["failed"])
    summary = (
        f"{len(by_status['published'])} published, {len(by_status['failed'])} failed, "
        f"{len(by_status['unknown'])} unknown, 0 invalid"
    )
    assert summary in errors

    # What was reported published is on the topic, at the offset reported.
    broker.start(timeout=120.0)
    stored = _records(broker.bootstrap, topic, 3)
    for outcome in by_status["published"]:
        record = stored.get((outcome["partition"], outcome["offset"]))
        assert record is not None, outcome
        headers = dict(record.headers)
        assert headers["corridor-message-id"].decode() == outcome["message_id"], outcome

"""The streams worker's /health and what it does when an agent cannot go on (real broker)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas.keys import generate_private_key, write_private_key
from schemas.taskforce import load_taskforce
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import TopicSpec, pipeline_topics
from tests.integration.conftest import (
    HUB,
    Pipeline,
    start_corridor,
    streams_worker_args,
    taskforce_text,
    wait_for,
)

pytestmark = pytest.mark.integration


def _health(port: int) -> tuple[int, dict[str, Any]] | None:
    """Status and body of the worker's /health (None while nothing listens yet)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())
    except OSError:
        return None


def test_a_crashing_agent_stops_the_worker_with_exit_code_1(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """An agent that fails on every event must not crash-loop inside a live process.

    The dedupe table's changelog is created beforehand with 1 partition for a
    3-partition source: Faust refuses every write of the dedupe agent. Before the
    fix, Faust restarted the agent after each failure and the worker stayed up
    with its pipeline stopped; now /health names the agents and the worker exits 1.
    """
    prefix = f"hc-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "taskforce.toml"
    config.write_text(taskforce_text(prefix), "utf-8")
    keys = {agency: generate_private_key() for agency in ("PK-FIA", HUB)}
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    save_trust_store(tmp_path / "trust-store.json", store)
    write_private_key(tmp_path / "hub.key", keys[HUB])
    taskforce = load_taskforce(config)
    create_topics(kafka_bootstrap, pipeline_topics(taskforce))
    create_topics(
        kafka_bootstrap, [TopicSpec(f"{prefix}-streams-dedupe-revisions-changelog", 1, ())]
    )
    port = free_port()
    common = ["--config", str(config), "--bootstrap", kafka_bootstrap]
    log = tmp_path / "worker.log"
    worker = start_corridor(
        [*streams_worker_args(common, tmp_path, prefix), "--metrics-port", str(port)], log
    )
    try:

        def all_running() -> bool:
            answer = _health(port)
            return answer is not None and answer[0] == 200

        wait_for(all_running, 90, "the worker's agents to run")
        _, body = _health(port) or (0, {})
        assert set(body["loops"]) == {"verify", "dedupe", "correlate"}
        settings = PublisherSettings(bootstrap=kafka_bootstrap, topics=taskforce.topics)
        with AlertPublisher(settings, keys["PK-FIA"]) as publisher:
            outcomes = publisher.publish([publisher.sign(sample_datum("PK-FIA", 7001))])
        assert all(o.ok for o in outcomes)
        wait_for(lambda: worker.poll() is not None, 120, "the worker to stop")
        assert worker.returncode == 1
        text = log.read_text("utf-8", "replace")
        assert "agent dedupe crashed" in text
        assert "PartitionsMismatch" in text
    finally:
        stop_process(worker, "streams worker")


def test_the_running_hub_reports_every_loop_healthy(pipeline: Pipeline) -> None:
    """The session hub's worker and delivery service answer /health with their loops."""

    def healthy(port: int) -> dict[str, Any] | None:
        answer = _health(port)
        return answer[1] if answer is not None and answer[0] == 200 else None

    worker = wait_for(lambda: healthy(pipeline.worker_metrics_port), 90, "worker /health")
    assert worker["loops"] == {
        name: {"state": "running"} for name in ("verify", "dedupe", "correlate")
    }
    delivery = wait_for(lambda: healthy(pipeline.delivery_metrics_port), 90, "delivery /health")
    assert delivery["loops"] == {"delivery": {"state": "running"}}
    assert pipeline.worker_metric("corridor_loop_up", loop="dedupe") == 1.0


def test_the_running_worker_freezes_what_survives_garbage_collection(pipeline: Pipeline) -> None:
    """Every --gc-freeze-interval (5 s by default) the worker freezes its survivors, so its
    full collections skip the state it holds (streams/heap.py)."""

    def frozen_objects() -> float | None:
        try:
            return pipeline.worker_metric("corridor_gc_frozen_objects") or None
        except OSError:  # the worker's metrics endpoint is not up yet
            return None

    frozen = wait_for(frozen_objects, 90, "the worker's first freeze")
    assert frozen > 10_000  # the worker's modules and state, not a handful

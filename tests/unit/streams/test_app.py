"""Wiring of the Faust app (built, not started: no broker needed)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from monitoring.health import LoopHealth
from schemas.keys import generate_private_key
from schemas.replication import Replication
from schemas.taskforce import load_taskforce
from schemas.truststore import TrustStore
from streams.app import create_app, send_acknowledged, source_topics
from streams.metrics import StreamMetrics
from streams.settings import StreamSettings
from streams.supervision import AGENTS, AgentSupervision


def _settings() -> StreamSettings:
    taskforce = load_taskforce(Path("deploy/local/taskforce.toml"), topic_prefix="wiring")
    return StreamSettings(
        bootstrap="127.0.0.1:1", taskforce=taskforce, hub_key=generate_private_key()
    )


def _app(supervision: AgentSupervision | None = None) -> Any:
    if supervision is None:
        supervision = AgentSupervision(LoopHealth(None, AGENTS), lambda exc: None)
    return create_app(
        _settings(), TrustStore({}), StreamMetrics.create(CollectorRegistry()), supervision
    )


def test_worker_produces_with_acks_all_and_idempotence() -> None:
    settings = _app().producer._settings_extra()
    assert settings == {"acks": "all", "enable_idempotence": True}


def test_verify_agent_reads_every_publishing_agencys_inbound_topic() -> None:
    app = _app()
    topics = {agent.name.rsplit(".", 1)[-1]: agent.channel.topics for agent in app.agents.values()}
    assert "wiring.inbound.PK-FIA" in topics["verify"]
    assert "wiring.inbound.EU-EUROPOL" in topics["verify"]
    assert topics["dedupe"] == ("wiring.verified",)
    assert topics["correlate"] == ("wiring.correlation",)
    # The lag of the worker's group is measured on exactly what its agents read.
    agents_read = {topic for read in topics.values() for topic in read}
    assert set(source_topics(_settings())) == agents_read


def test_state_lives_in_tables_with_bounded_changelogs() -> None:
    app = _app()
    names = {table.name for table in app.tables.values()}
    assert names == {
        "dedupe-digests",
        "dedupe-revisions",
        "correlation-alerts",
        "correlation-incidents",
    }
    digests = app.tables["dedupe-digests"]
    assert digests.extra_topic_configs["cleanup.policy"] == "compact,delete"
    assert app.tables["correlation-alerts"].partitions == 1


class _FlakyTopic:
    """A topic whose first sends fail the way aiokafka's do, then succeed."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.delivered: list[tuple[bytes | None, bytes]] = []

    def get_topic_name(self) -> str:
        return "flaky"

    async def send(self, *, key: bytes | None, value: bytes, headers: Any) -> Any:
        self.attempts += 1
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.attempts <= self.failures:
            future.set_exception(RuntimeError("NotEnoughReplicas"))
        else:
            self.delivered.append((key, value))
            future.set_result("metadata")
        return future


def test_a_send_is_retried_until_acknowledged_never_dropped() -> None:
    topic = _FlakyTopic(failures=3)
    asyncio.run(send_acknowledged(topic, b"k", b"v", backoff=(0.0, 0.0)))
    assert topic.attempts == 4
    assert topic.delivered == [(b"k", b"v")]


def test_every_retry_is_counted() -> None:
    registry = CollectorRegistry()
    retries = StreamMetrics.create(registry).send_retries
    labels = {"output": "alerts"}
    assert registry.get_sample_value("corridor_stream_send_retries_total", labels) == 0
    topic = _FlakyTopic(failures=2)
    asyncio.run(
        send_acknowledged(topic, b"k", b"v", backoff=(0.0, 0.0), retried=retries.labels("alerts"))
    )
    assert registry.get_sample_value("corridor_stream_send_retries_total", labels) == 2


def test_every_agent_reports_its_crash_to_the_supervision() -> None:
    """A crashing agent stops the worker instead of being restarted into a crash loop."""
    stops: list[BaseException] = []
    health = LoopHealth(None, AGENTS)
    app = _app(AgentSupervision(health, stops.append))
    agents = {agent.name.rsplit(".", 1)[-1]: agent for agent in app.agents.values()}
    assert set(agents) == set(AGENTS)
    error = RuntimeError("boom")
    for agent in agents.values():
        asyncio.run(agent._on_error(agent, error))
    assert stops == [error]
    assert {name: s.state for name, s in health.states().items()} == dict.fromkeys(
        AGENTS, "crashed"
    )


def test_tables_wait_for_changelog_metadata_instead_of_failing() -> None:
    """0 partitions (metadata not there yet) defers the check; a real mismatch still fails."""
    from faust.exceptions import PartitionsMismatch

    app = _app()
    table = next(t for t in app.tables.values() if t.name == "dedupe-revisions")
    counts = {table.changelog_topic_name: 0, "wiring.verified": 3}
    app.consumer.topic_partitions = counts.get
    table._verify_source_topic_partitions("wiring.verified")  # no PartitionsMismatch
    counts[table.changelog_topic_name] = 1
    try:
        table._verify_source_topic_partitions("wiring.verified")
    except PartitionsMismatch:
        pass
    else:
        raise AssertionError("a changelog with 1 of 3 partitions must be refused")


def test_topics_the_worker_creates_are_replicated_as_the_taskforce_says() -> None:
    settings = _settings()
    replicated = dataclasses.replace(
        settings,
        taskforce=dataclasses.replace(settings.taskforce, replication=Replication(3, 2)),
    )
    app = create_app(
        replicated,
        TrustStore({}),
        StreamMetrics.create(CollectorRegistry()),
        AgentSupervision(LoopHealth(None, AGENTS), lambda exc: None),
    )
    assert app.conf.topic_replication_factor == 3
    # Every topic Faust creates (changelog, leader, repartition) is built from this config,
    # with the topic's own settings (a changelog's cleanup and retention) on top.
    config = app.transport._topic_config(retention=1000, compacting=True, deleting=True)
    assert config == {
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
        "cleanup.policy": "compact,delete",
        "retention.ms": 1000,
    }

"""The pipeline on a three-node cluster: replicated topics, and what broker failures do.

Topics (Corridor's and the worker's own) are created with three copies, two of which must
acknowledge a write, and unclean leader election off. An alert is delivered while the
broker leading its inbound partition is SIGKILLed and restarted; with two of the three
brokers down ``corridor publish`` fails (non-zero exit, nothing reported published) and
succeeds once they are back. Each test leaves every node running and the cluster healthy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.partitioner.default import murmur2

from consumers.inbox.check import check_delivery
from kafka_local.cluster import LocalKafkaCluster
from producers.publisher import AlertPublisher
from producers.scenarios import sample_alert, sample_datum
from producers.settings import PublisherSettings
from schemas.keys import write_private_key
from schemas.topics import message_key
from tests.integration.conftest import Pipeline, run_corridor, running_pipeline, wait_for

pytestmark = pytest.mark.integration

KAFKA_TOML = "\n[kafka]\nreplication_factor = 3\nmin_insync_replicas = 2\n"
TABLES = ("dedupe-digests", "dedupe-revisions", "correlation-alerts", "correlation-incidents")
RECIPIENT = "TR-SG"
"""A coast guard: with the default clearance it receives every sample alert of PK-FIA."""
DELIVERY_TIMEOUT_S = 6.0
"""``corridor publish --delivery-timeout``: how long a send may wait for enough replicas."""


@pytest.fixture(scope="module")
def replicated(
    kafka_cluster: LocalKafkaCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """The pipeline on the cluster, every topic with three copies and min ISR 2."""
    workdir = tmp_path_factory.mktemp("replicated")
    with running_pipeline(kafka_cluster.bootstrap, workdir, KAFKA_TOML) as deployed:
        yield deployed


@pytest.fixture
def healthy(kafka_cluster: LocalKafkaCluster, replicated: Pipeline) -> Iterator[LocalKafkaCluster]:
    """The cluster, all nodes running and nothing under-replicated before and after the test."""
    kafka_cluster.wait_until_healthy(120, topics=_our_topics(kafka_cluster, replicated))
    try:
        yield kafka_cluster
    finally:
        kafka_cluster.start(timeout=180)  # launches every stopped node, then waits for all
        kafka_cluster.wait_until_healthy(120, topics=_our_topics(kafka_cluster, replicated))


def _our_topics(cluster: LocalKafkaCluster, pipeline: Pipeline) -> list[str]:
    """Every topic of this deployment: Corridor's and the worker's (``<prefix>-streams-...``)."""
    with cluster.admin() as admin:
        names = admin.list_topics()
    return sorted(n for n in names if n.startswith(pipeline.taskforce.topics.prefix))


def _topic_configs(cluster: LocalKafkaCluster, topics: list[str]) -> dict[str, dict[str, str]]:
    """``{topic: {config key: value}}`` for the keys set on each topic."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
    with cluster.admin() as admin:
        described = admin.describe_configs(resources)
    return {name: _values(raw) for name, raw in _by_topic(described).items()}


def _by_topic(described: Any) -> dict[str, Any]:
    if isinstance(described, dict):  # {resource type: {name: {key: data}}}
        merged: dict[str, Any] = {}
        for per_type in described.values():
            merged.update(per_type)
        return merged
    raise AssertionError(f"unexpected describe_configs answer: {described!r}")


def _values(raw: dict[str, Any]) -> dict[str, str]:
    return {
        key: str(data.get("value") if isinstance(data, dict) else data) for key, data in raw.items()
    }


def _inbound_partition(pipeline: Pipeline, alert: dict[str, Any]) -> int:
    """Partition of the inbound topic an alert's record key maps to (Kafka's murmur2)."""
    key = message_key(alert["agency"], alert["alert_id"])
    partition: int = (murmur2(key) & 0x7FFFFFFF) % 3
    return partition


def _publish(pipeline: Pipeline, alert: dict[str, Any]) -> Any:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    with AlertPublisher(settings, pipeline.keys["PK-FIA"]) as publisher:
        (outcome,) = publisher.publish([publisher.sign(alert)])
    assert outcome.ok, outcome.error
    return outcome


def _delivered(pipeline: Pipeline, alert_ids: set[str], timeout: float) -> set[str]:
    """Alert ids of ``alert_ids`` verified in the recipient's inbox (waits for all)."""
    topic = pipeline.taskforce.topics.inbox(RECIPIENT)

    def ids(records: list[Any]) -> set[str]:
        return {r.key.decode().partition(":")[2] for r in records}

    records = pipeline.read_topic(topic, lambda rs: alert_ids <= ids(rs), timeout)
    checked = [
        check_delivery(r.value, list(r.headers), pipeline.trust_store, pipeline.taskforce.topics)
        for r in records
        if r.key.decode().partition(":")[2] in alert_ids
    ]
    assert all(item.verified for item in checked)
    return {item.document["alert"]["alert_id"] for item in checked}


def _worker_topics(pipeline: Pipeline) -> list[str]:
    app_id = f"{pipeline.taskforce.topics.prefix}-streams"
    return [f"{app_id}-{table}-changelog" for table in TABLES] + [f"{app_id}-__assignor-__leader"]


def test_every_topic_has_three_copies_two_in_sync_and_no_unclean_election(
    healthy: LocalKafkaCluster, replicated: Pipeline
) -> None:
    internal = _worker_topics(replicated)

    def created() -> bool:
        # Listed first, described a moment later: a topic just created can be listed while
        # the metadata of its partitions is not yet there.
        topics = _our_topics(healthy, replicated)
        return set(internal) <= set(topics) and all(healthy.partitions(t) for t in topics)

    wait_for(created, 120, "the streams worker to create its changelog and leader topics")
    topics = _our_topics(healthy, replicated)
    corridor = [t.name for t in _pipeline_specs(replicated)]
    assert set(corridor) <= set(topics)
    for topic in topics:
        partitions = healthy.partitions(topic)
        assert partitions, topic
        assert all(len(p["replicas"]) == 3 for p in partitions), (topic, partitions)
    configs = _topic_configs(healthy, topics)
    for topic in topics:
        assert configs[topic].get("min.insync.replicas") == "2", (topic, configs[topic])
        assert configs[topic].get("unclean.leader.election.enable") == "false", topic
    # A changelog keeps its own cleanup settings beside the replication ones.
    assert configs[internal[0]].get("cleanup.policy") == "compact,delete"


def test_topics_create_reports_the_replication_and_refuses_more_copies_than_brokers(
    healthy: LocalKafkaCluster, replicated: Pipeline, tmp_path: Path
) -> None:
    again = run_corridor(
        "topics", "create", "--config", str(replicated.config), "--bootstrap", healthy.bootstrap
    )
    assert again.returncode == 0, again.stderr
    assert "0 created" in again.stdout
    assert "(replication factor 3, min.insync.replicas 2)" in again.stdout
    assert "warning" not in again.stderr

    too_many = tmp_path / "taskforce.toml"
    too_many.write_text(
        replicated.config.read_text("utf-8")
        .replace("replication_factor = 3", "replication_factor = 4")
        .replace('topic_prefix = "', 'topic_prefix = "four-'),
        "utf-8",
    )
    (tmp_path / "trust-store.json").write_bytes(
        (replicated.workdir / "trust-store.json").read_bytes()
    )
    refused = run_corridor(
        "topics", "create", "--config", str(too_many), "--bootstrap", healthy.bootstrap
    )
    assert refused.returncode == 2, refused.stderr
    assert "replication_factor 4 needs at least that many brokers; the cluster has 3" in (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr


def test_alert_is_delivered_while_its_inbound_leader_is_killed_and_restarted(
    healthy: LocalKafkaCluster, replicated: Pipeline
) -> None:
    inbound = replicated.taskforce.topics.inbound("PK-FIA")
    before = sample_datum("PK-FIA", 5000)
    first = _publish(replicated, before)
    assert _delivered(replicated, {before["alert_id"]}, 120) == {before["alert_id"]}

    victim = healthy.leader_of(inbound, first.partition)
    healthy.node(victim).kill()
    # The next alert on the same inbound partition, published while its leader is dead.
    during = next(
        alert
        for alert in (sample_datum("PK-FIA", 5001 + i) for i in range(100))
        if _inbound_partition(replicated, alert) == first.partition
    )
    outcome = _publish(replicated, during)
    assert outcome.partition == first.partition
    assert healthy.leader_of(inbound, first.partition) != victim

    healthy.node(victim).start(timeout=120)
    assert _delivered(replicated, {during["alert_id"]}, 120) == {during["alert_id"]}
    healthy.wait_until_healthy(120, topics=[inbound])


def test_publish_fails_with_two_brokers_down_and_succeeds_once_they_return(
    healthy: LocalKafkaCluster, replicated: Pipeline, tmp_path: Path
) -> None:
    key = tmp_path / "PK-FIA.key"
    write_private_key(key, replicated.keys["PK-FIA"])

    def publish(seq: int) -> Any:
        return run_corridor(
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(key),
            "--json",
            "--delivery-timeout",
            str(DELIVERY_TIMEOUT_S),
            "--bootstrap",
            healthy.bootstrap,
            "--topic-prefix",
            replicated.taskforce.topics.prefix,
            stdin=json.dumps(sample_alert("PK-FIA", seq)),
        )

    survivor, *down = healthy.node_ids
    for node_id in down:
        healthy.node(node_id).kill()
    failed = publish(6000)
    assert failed.returncode != 0, failed.stdout
    assert "Traceback" not in failed.stderr
    statuses = [json.loads(line)["status"] for line in failed.stdout.splitlines()]
    assert "published" not in statuses, failed.stdout
    assert healthy.node(survivor).is_running()

    healthy.start(timeout=180)  # both at once: neither alone makes a controller quorum
    healthy.wait_until_healthy(120, topics=_our_topics(healthy, replicated))
    published = publish(6001)
    assert published.returncode == 0, published.stderr
    assert [json.loads(line)["status"] for line in published.stdout.splitlines()] == ["published"]


def _pipeline_specs(pipeline: Pipeline) -> list[Any]:
    from streams.topology import pipeline_topics

    return pipeline_topics(pipeline.taskforce)

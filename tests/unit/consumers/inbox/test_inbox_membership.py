"""The inbox client joins its group as its settings say: a short fetch wait, and a static
identity when given one, so a restarted client takes its partitions back at once."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry

from consumers.inbox.metrics import InboxMetrics
from consumers.inbox.reader import InboxReader
from consumers.inbox.settings import InboxSettings
from schemas.group_membership import GroupMembership
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from tests.unit.consumers.known_topics import KnownTopics


def _config(settings: InboxSettings) -> dict[str, Any]:
    configs: list[dict[str, Any]] = []

    def consumer(*topics: str, **config: Any) -> KnownTopics:
        configs.append(config)
        return KnownTopics()

    InboxReader(
        settings,
        TrustStore(agencies={}),
        InboxMetrics.create(CollectorRegistry()),
        consumer_factory=consumer,
    )
    return configs[0]


def test_a_static_identity_and_the_session_reach_the_consumer() -> None:
    settings = InboxSettings(
        bootstrap="127.0.0.1:1",
        agency="GR-HCG",
        topics=TopicNames("t"),
        membership=GroupMembership(session_timeout_s=6.0, instance_id="GR-HCG-inbox-1"),
    )
    config = _config(settings)
    assert config["group_instance_id"] == "GR-HCG-inbox-1"
    assert config["session_timeout_ms"] == 6000
    assert config["fetch_max_wait_ms"] <= 100


def test_without_an_identity_membership_is_dynamic() -> None:
    config = _config(
        InboxSettings(bootstrap="127.0.0.1:1", agency="GR-HCG", topics=TopicNames("t"))
    )
    assert "group_instance_id" not in config
    assert config["session_timeout_ms"] == 10_000

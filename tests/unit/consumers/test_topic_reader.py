"""read_to_end: an unreachable broker or a missing topic is a BrokerUnavailable (exit 3), never
kafka-python's error."""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError

from consumers import topic_reader
from consumers.errors import BrokerUnavailable


def test_an_unreachable_broker_is_broker_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(**config: Any) -> Any:
        raise KafkaTimeoutError("Unable to bootstrap from ['127.0.0.1:1']")

    monkeypatch.setattr(topic_reader, "KafkaConsumer", unreachable)
    with pytest.raises(BrokerUnavailable, match=r"cannot reach Kafka at 127\.0\.0\.1:1"):
        topic_reader.read_to_end("127.0.0.1:1", "corridor.inbox.GR-HCG")


class _LateTopic:
    """A consumer whose metadata lists the topic only after ``late`` metadata requests."""

    def __init__(self, late: int) -> None:
        self.late = late
        self.position_of: dict[TopicPartition, int] = {}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0} if self.late <= 0 else None

    def topics(self) -> set[str]:
        self.late -= 1
        return set()

    def assign(self, parts: list[TopicPartition]) -> None:
        # kafka-python refuses to seek with nothing assigned ("No partitions are currently
        # assigned"): the traceback `corridor publish` used to show for a new topic.
        assert parts, "no partitions assigned"
        self.parts = parts

    def seek_to_beginning(self, *parts: TopicPartition) -> None:
        assert parts

    def end_offsets(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: 0 for tp in parts}

    def position(self, tp: TopicPartition) -> int:
        return 0

    def close(self) -> None:
        pass


def test_a_topic_created_a_moment_ago_is_asked_for_again(monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = _LateTopic(late=2)
    monkeypatch.setattr(topic_reader, "kafka_consumer", lambda *a, **k: consumer)
    monkeypatch.setattr(topic_reader, "METADATA_RETRY_S", 0.0)
    assert topic_reader.read_to_end("127.0.0.1:9", "corridor.registry") == []
    assert consumer.parts == [TopicPartition("corridor.registry", 0)]


def test_a_topic_that_never_appears_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topic_reader, "kafka_consumer", lambda *a, **k: _LateTopic(late=10**9))
    monkeypatch.setattr(topic_reader, "METADATA_RETRY_S", 0.0)
    with pytest.raises(BrokerUnavailable, match="corridor topics create"):
        topic_reader.read_to_end("127.0.0.1:9", "corridor.registry", timeout=0.05)

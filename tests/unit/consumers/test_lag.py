"""Consumer lag: log-end minus committed offset per assigned partition, measured per interval."""

from __future__ import annotations

from typing import Any

from kafka.errors import KafkaTimeoutError
from kafka.structs import TopicPartition
from prometheus_client import CollectorRegistry, Gauge

from consumers.lag import GroupLagMonitor, LagReporter, partition_lag

A0, A1, I0 = TopicPartition("t.alerts", 0), TopicPartition("t.alerts", 1), TopicPartition("t.i", 0)


class FakeConsumer:
    def __init__(self) -> None:
        self.assigned: set[TopicPartition] = {A0, A1}
        self.ends = {A0: 10, A1: 7, I0: 3}
        self.commits: dict[TopicPartition, int | None] = {A0: 4, A1: None, I0: 3}
        self.requests = 0
        self.fail = False

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def end_offsets(
        self, partitions: list[TopicPartition], timeout_ms: int
    ) -> dict[TopicPartition, int]:
        assert timeout_ms > 0  # a measurement never waits without limit
        self.requests += 1
        if self.fail:
            raise KafkaTimeoutError("no broker")
        return {tp: self.ends[tp] for tp in partitions}

    def committed(self, tp: TopicPartition, timeout_ms: int) -> int | None:
        assert timeout_ms > 0
        return self.commits[tp]

    def position(self, tp: TopicPartition, timeout_ms: int) -> int:
        assert timeout_ms > 0
        return {A0: 8, A1: 7, I0: 0}[tp]


def samples(registry: CollectorRegistry) -> dict[tuple[str, ...], float]:
    return {
        (s.labels["group"], s.labels["topic"], s.labels["partition"]): s.value
        for family in registry.collect()
        for s in family.samples
    }


def reporter(consumer: Any, now: list[float]) -> tuple[LagReporter, CollectorRegistry]:
    registry = CollectorRegistry()
    gauge = Gauge(
        "corridor_consumer_lag", "lag", ["group", "topic", "partition"], registry=registry
    )
    return LagReporter(consumer, gauge, "g", interval_s=5.0, clock=lambda: now[0]), registry


def test_partition_lag_is_end_minus_committed_never_negative() -> None:
    assert partition_lag({A0: 10, A1: 7, I0: 3}, {A0: 4, I0: 5}) == {A0: 6, A1: 7, I0: 0}


def test_reports_every_assigned_partition_once_per_interval() -> None:
    consumer, now = FakeConsumer(), [100.0]
    lag, registry = reporter(consumer, now)
    assert lag.maybe_report()
    assert samples(registry) == {("g", "t.alerts", "0"): 6, ("g", "t.alerts", "1"): 7}
    now[0] = 104.9
    consumer.commits[A0] = 10
    assert not lag.maybe_report()
    assert consumer.requests == 1
    now[0] = 105.0
    assert lag.maybe_report()
    assert samples(registry)[("g", "t.alerts", "0")] == 0


def test_partitions_moved_to_another_instance_are_removed() -> None:
    consumer, now = FakeConsumer(), [0.0]
    lag, registry = reporter(consumer, now)
    lag.maybe_report()
    consumer.assigned = {A1, I0}
    now[0] = 5.0
    lag.maybe_report()
    assert samples(registry) == {("g", "t.alerts", "1"): 7, ("g", "t.i", "0"): 0}


def test_a_broker_error_keeps_the_last_values_and_retries_next_interval() -> None:
    consumer, now = FakeConsumer(), [0.0]
    lag, registry = reporter(consumer, now)
    lag.maybe_report()
    consumer.fail = True
    now[0] = 5.0
    assert not lag.maybe_report()
    assert samples(registry)[("g", "t.alerts", "0")] == 6
    consumer.fail = False
    consumer.commits[A0] = 9
    now[0] = 10.0
    assert lag.maybe_report()
    assert samples(registry)[("g", "t.alerts", "0")] == 1


def test_a_reader_without_group_is_measured_against_its_position() -> None:
    consumer, registry = FakeConsumer(), CollectorRegistry()
    gauge = Gauge(
        "corridor_consumer_lag", "lag", ["group", "topic", "partition"], registry=registry
    )
    assert LagReporter(consumer, gauge, "reader", committed=False).maybe_report()
    assert samples(registry) == {("reader", "t.alerts", "0"): 2, ("reader", "t.alerts", "1"): 0}


class GroupCommits(FakeConsumer):
    """A consumer that never subscribes: it sees topics' partitions and a group's commits."""

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self.config = config
        self.closed = False

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {"t.alerts": {0, 1}, "t.i": {0}}.get(topic)

    def close(self, autocommit: bool = True) -> None:
        self.closed = True


def test_the_group_monitor_measures_every_partition_of_the_topics_from_the_commits() -> None:
    made: list[GroupCommits] = []

    def factory(*topics: str, **config: Any) -> GroupCommits:
        assert topics == ()  # never subscribes: it must not join the group it measures
        made.append(GroupCommits(**config))
        return made[-1]

    registry = CollectorRegistry()
    gauge = Gauge(
        "corridor_consumer_lag", "lag", ["group", "topic", "partition"], registry=registry
    )
    monitor = GroupLagMonitor(
        "127.0.0.1:9", "app", ["t.alerts", "t.i", "t.missing"], gauge, consumer_factory=factory
    )
    assert made[0].config["group_id"] == "app"
    assert made[0].config["enable_auto_commit"] is False
    assert monitor.measure()
    assert samples(registry) == {
        ("app", "t.alerts", "0"): 6,
        ("app", "t.alerts", "1"): 7,
        ("app", "t.i", "0"): 0,
    }
    monitor.close()
    assert made[0].closed

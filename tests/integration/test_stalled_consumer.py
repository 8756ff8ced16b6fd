"""A group consumer that polls nothing while its records wait is recreated and resumes.

The stall is made for real: the consumer's partitions are paused, so it keeps polling
without an error and returns nothing while the records wait on the broker and the group's
commits stand still, which is the signature of the kafka-python stalls seen on a loaded
machine. The watch, fed by the outside lag measurement, must recreate it, and the new
consumer must read the waiting records from the last commit.
"""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer
from prometheus_client import CollectorRegistry

from consumers.lag import GroupLagMonitor
from consumers.metrics import consumer_lag_gauge, consumer_restarts_counter
from consumers.watched_consumer import WatchedConsumer
from streams.admin import create_topics
from streams.topology import TopicSpec
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def test_a_paused_consumer_is_recreated_and_reads_what_waited(kafka_bootstrap: str) -> None:
    topic = f"it-stall-{uuid.uuid4().hex[:8]}"
    group = f"{topic}-group"
    create_topics(kafka_bootstrap, [TopicSpec(topic, 2)])
    registry = CollectorRegistry()
    watched = WatchedConsumer(
        group,
        lambda: KafkaConsumer(
            topic,
            bootstrap_servers=kafka_bootstrap,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        ),
        consumer_restarts_counter(registry),
        stall_after_s=4.0,
    )
    monitor = GroupLagMonitor(
        kafka_bootstrap, group, (topic,), consumer_lag_gauge(registry), interval_s=0.5
    )
    monitor.start()
    watched.monitor = monitor
    try:
        wait_for(lambda: watched.poll(200) == {} and watched.consumer.assignment(), 60,
                 "the consumer to be assigned its partitions")  # fmt: skip
        stalled = watched.consumer
        stalled.pause(*stalled.assignment())
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        for n in range(6):
            producer.send(topic, key=str(n).encode(), value=b"waiting").get(30)
        producer.close()

        read: list[bytes] = []

        def recreated_and_read_all() -> bool:
            for batch in watched.poll(200).values():
                read.extend(r.key for r in batch)
            return watched.consumer is not stalled and len(read) == 6

        wait_for(recreated_and_read_all, 90, "the stalled consumer to be recreated and read")
        restarts = registry.get_sample_value("corridor_consumer_restarts_total", {"group": group})
        assert restarts == 1
        assert sorted(read) == [str(n).encode() for n in range(6)]
    finally:
        watched.monitor = None
        monitor.close()
        watched.consumer.close()


def test_a_consumer_spinning_in_its_poll_loop_is_recreated(kafka_bootstrap: str) -> None:
    """kafka-python's wedge, made on purpose: its fetch wait is capped by the time to the
    next heartbeat, so a coordinator that always says "now" makes every empty poll loop
    without waiting, as after the lost rebalance. No record waits: only the thread's CPU
    time can tell, and the consumer must be replaced by one that waits again."""
    topic = f"it-spin-{uuid.uuid4().hex[:8]}"
    group = f"{topic}-group"
    create_topics(kafka_bootstrap, [TopicSpec(topic, 2)])
    built: list[KafkaConsumer] = []

    def build() -> KafkaConsumer:
        consumer = KafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
        )
        if not built:  # only the first one spins
            consumer._coordinator.time_to_next_poll = lambda: 0
        built.append(consumer)
        return consumer

    registry = CollectorRegistry()
    watched = WatchedConsumer(group, build, consumer_restarts_counter(registry), stall_after_s=30.0)
    try:
        wait_for(lambda: watched.poll(200) == {} and len(built) == 2, 60,
                 "the spinning consumer to be recreated")  # fmt: skip
        restarts = registry.get_sample_value("corridor_consumer_restarts_total", {"group": group})
        assert restarts == 1
        for _ in range(30):  # the new consumer waits for its fetches: it stays
            watched.poll(200)
        assert len(built) == 2
    finally:
        watched.consumer.close()

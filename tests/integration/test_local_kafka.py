"""Smoke test of the session broker: create a topic, produce with acks=all, consume it back."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def test_produce_and_consume_round_trip(kafka_bootstrap: str, topic_name: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="test-admin")
    try:
        admin.create_topics([NewTopic(topic_name, num_partitions=1, replication_factor=1)])
        # Created means the controller has it; the broker's metadata follows shortly after.
        wait_for(lambda: topic_name in admin.list_topics(), 30, f"{topic_name} in the metadata")
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", retries=5)
    try:
        metadata = producer.send(topic_name, key=b"route-7", value=b"hello corridor").get(
            timeout=30
        )
    finally:
        producer.close()
    assert metadata.topic == topic_name
    assert metadata.offset == 0

    consumer = KafkaConsumer(
        topic_name,
        bootstrap_servers=kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=30_000,
    )
    try:
        records = []
        for record in consumer:
            records.append(record)
            break
    finally:
        consumer.close()

    assert [(r.key, r.value) for r in records] == [(b"route-7", b"hello corridor")]

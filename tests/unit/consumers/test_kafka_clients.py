"""The services' kafka-python consumers read a record whose header name is not UTF-8."""

from __future__ import annotations

from kafka.consumer.fetcher import Fetcher
from kafka.record import MemoryRecords
from kafka.structs import TopicPartition

import consumers.kafka_clients  # noqa: F401  (installs the tolerant parsing)
from schemas.header_names import is_undecodable
from tests.unit.kafka_batches import NAME_BYTES, batch_with_undecodable_header_name


def test_a_header_name_that_is_not_utf8_does_not_stop_the_partition() -> None:
    """kafka-python raised CorruptRecordError on every fetch of such a partition."""
    batch = MemoryRecords(batch_with_undecodable_header_name()).next_batch()
    read = list(batch)
    assert [r.offset for r in read] == [0, 1, 2]
    name, value = read[1].headers[0]
    assert is_undecodable(name)
    assert name.encode("utf-8") == NAME_BYTES  # what kafka-python's fetcher measures
    assert value == b"x"
    assert read[2].headers == [("fine", b"z")]


def test_the_fetcher_hands_the_record_over() -> None:
    """Through kafka-python's fetcher, which measures each header name's UTF-8 size."""
    completed = Fetcher.PartitionRecords(
        0,
        TopicPartition("t", 0),
        MemoryRecords(batch_with_undecodable_header_name()),
    )
    records = completed.take()
    assert [r.offset for r in records] == [0, 1, 2]
    assert records[1].serialized_header_size == len(NAME_BYTES) + 1 + 2 + 1

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


class _Metadata:
    """Partitions appear after ``after`` metadata fetches."""

    def __init__(self, after: int) -> None:
        self.fetches = 0
        self._after = after

    def topics(self) -> set[str]:
        self.fetches += 1
        return {"t"} if self.fetches > self._after else set()

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {0, 1} if self.fetches > self._after else None


def test_a_group_consumers_partitions_are_loaded_before_its_first_poll() -> None:
    from consumers.kafka_clients import load_topic_metadata

    known = _Metadata(after=0)
    assert load_topic_metadata(known, ("t",))
    assert known.fetches == 1
    later = _Metadata(after=2)
    assert load_topic_metadata(later, ("t",))
    assert later.fetches == 3


def test_a_missing_topic_is_waited_for_only_so_long() -> None:
    from consumers.kafka_clients import load_topic_metadata

    missing = _Metadata(after=10**6)
    assert not load_topic_metadata(missing, ("t",), wait_s=0.0)
    assert missing.fetches == 1

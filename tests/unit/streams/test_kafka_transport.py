"""The worker's aiokafka fetching reads a record whose header name is not UTF-8."""

from __future__ import annotations

from aiokafka.consumer import fetcher
from aiokafka.structs import TopicPartition

from schemas.header_names import is_undecodable
from streams.kafka_transport import register
from tests.unit.kafka_batches import NAME_BYTES, batch_with_undecodable_header_name


def test_a_header_name_that_is_not_utf8_does_not_stop_the_partition() -> None:
    """aiokafka's parser raised UnicodeDecodeError on every fetch of such a partition."""
    register()
    records = fetcher.PartitionRecords(
        TopicPartition("t", 0),
        fetcher.MemoryRecords(batch_with_undecodable_header_name()),
        None,
        0,
        None,
        None,
        True,
        0,
    )
    read = list(records)
    assert [r.offset for r in read] == [0, 1, 2]
    assert [r.value for r in read] == [b"v0", b"v1", b"v2"]
    name, value = read[1].headers[0]
    assert is_undecodable(name)
    assert name.encode() == NAME_BYTES
    assert value == b"x"
    assert read[1].headers[1] == ("ok", b"y")
    assert read[2].headers == (("fine", b"z"),)

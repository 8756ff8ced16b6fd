"""The worker's aiokafka transport: records whose header name is not UTF-8 are read, and
records Faust throws away before an agent took them are read again."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiokafka.consumer import fetcher
from aiokafka.structs import TopicPartition
from faust.transport.drivers.aiokafka import Consumer
from faust.types import TP

from schemas.header_names import is_undecodable
from streams.kafka_transport import OrderedConsumer, register
from streams.ordering import Handover, PartitionOrder
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


class _Message:
    def __init__(self, tp: TP, offset: int) -> None:
        self.tp, self.offset, self.tracked = tp, offset, False


def _consumer(fetches: list[list[int]], tp: TP) -> tuple[OrderedConsumer, list[int]]:
    """An OrderedConsumer around a scripted fetcher (Faust's own getmany is replaced)."""
    consumer = OrderedConsumer.__new__(OrderedConsumer)
    consumer.order = PartitionOrder()
    consumer.handover = Handover(lambda message: bool(message.tracked))
    consumer._rewinds = {}
    consumer._acked = defaultdict(list)
    consumer._acked_index = defaultdict(set)
    consumer._read_offset = defaultdict(lambda: None)
    consumer.flow_active = False
    consumer.can_resume_flow = asyncio.Event()
    consumer.suspend_flow = asyncio.Event()
    consumer._is_changelog_tp = lambda tp: False  # type: ignore[method-assign]
    sought: list[int] = []

    async def seek_in_thread(positions: Mapping[TP, int]) -> None:
        sought.extend(positions.values())

    consumer._seek_in_thread = seek_in_thread  # type: ignore[method-assign]
    consumer.fetches = fetches  # type: ignore[attr-defined]
    return consumer, sought


async def _scripted_getmany(self: Any, timeout: float) -> AsyncIterator[tuple[TP, Any]]:
    for offset in self.fetches.pop(0):
        yield TP("t", 0), _Message(TP("t", 0), offset)


def test_a_record_emptied_from_the_agents_queue_when_the_flow_resumes_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the fault matrix: inbound offset 43 was fetched during the seek to the
    committed offsets, delivered, then dropped when Faust resumed the flow (which empties
    every agent's queue); 44 passed, the commit went past 43 and revision 1 was lost."""
    monkeypatch.setattr(Consumer, "getmany", _scripted_getmany)
    tp = TP("t", 0)
    consumer, sought = _consumer([[43, 44], [43, 44]], tp)
    consumer.order.assigned([tp])
    consumer.order.positioned(tp, 43)

    async def scenario() -> list[int]:
        delivered = []
        async for _, message in consumer.getmany(1.0):
            delivered.append(message.offset)
            if message.offset == 43:
                consumer._acked[tp].append(43)  # a stream that drops a record still acks it
                consumer._acked_index[tp].add(43)
                consumer.resume_flow()  # right after flow_control.resume() emptied the queues
        delivered += [m.offset async for _, m in consumer.getmany(1.0)]
        return delivered

    delivered = asyncio.run(scenario())
    assert delivered == [43, 43, 44]
    assert sought == [43]
    assert consumer._acked[tp] == [] and 43 not in consumer._acked_index[tp]

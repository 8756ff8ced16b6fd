"""Faust's aiokafka transport with Corridor's two corrections: acknowledged sends, ordered reads.

* Producer: faust-streaming's aiokafka producer enables idempotence only inside
  transactions (exactly-once mode), and leaves acks at the app's setting; Corridor's
  contract is acks=all and idempotence everywhere.
* Consumer: Faust can hand an agent a partition's records with a hole after a
  rebalance (see :mod:`streams.ordering`); :class:`OrderedConsumer` lets a source
  partition's records through only in offset order, from the committed offset on.
* Topics Faust creates itself (table changelogs, the assignor's leader topic, any
  repartition topic) get the task force's ``min.insync.replicas`` and unclean leader
  election off, like every other Corridor topic (:func:`set_internal_topic_config`);
  the replication factor is Faust's ``topic_replication_factor``.
* Fetching: a record whose header name is not UTF-8 made aiokafka fail on every fetch of
  its partition; :class:`TolerantMemoryRecords` reads it (see :mod:`schemas.header_names`)
  so that the verify stage can quarantine it.

The app's broker URL uses this transport (``corridorkafka://host:port``).
(``broker_producer`` would not do: Faust builds its producer from the main transport.)
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Mapping, MutableMapping, Set
from typing import Any, cast

from aiokafka.consumer import fetcher
from aiokafka.record.default_records import DefaultRecordBatch, _DefaultRecordBatchPy
from aiokafka.record.memory_records import _MemoryRecordsPy
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers.aiokafka import Consumer, Producer, Transport
from faust.types import TP

from schemas.header_names import TolerantBuffer
from streams.consumer_thread import ShortWaitConsumerThread
from streams.ordering import Admit, Handover, PartitionOrder

SCHEME = "corridorkafka"

logger = logging.getLogger(__name__)


#: A producer renewed less than this long ago is not renewed again (every agent whose
#: send failed on the broken producer asks; one new producer serves them all).
RENEW_MIN_INTERVAL_S = 5.0
#: How long stopping the broken producer may take before it is abandoned.
RENEW_STOP_TIMEOUT_S = 10.0


class IdempotentProducer(Producer):
    """aiokafka producer settings with acks=all and enable_idempotence=True."""

    _renewed_at = -RENEW_MIN_INTERVAL_S
    _renewing: asyncio.Lock | None = None

    def _settings_extra(self) -> Mapping[str, Any]:
        return {"acks": "all", "enable_idempotence": True}

    async def renew(self) -> None:
        """Replace the aiokafka producer by a new one (a new producer id, fresh sequences).

        After a batch failed across a leader change, aiokafka's idempotent producer can
        answer OutOfOrderSequenceNumber for ever: its sender stopped and its sequence
        numbers no longer match the broker's. Only a new producer gets over that; what the
        old one had pending fails, and the callers' acknowledged sends retry it.
        """
        if self._renewing is None:
            self._renewing = asyncio.Lock()
        async with self._renewing:
            if time.monotonic() - self._renewed_at < RENEW_MIN_INTERVAL_S:
                return
            logger.warning("the Kafka producer cannot send any more: starting a new one")
            fresh = self._new_producer()
            await fresh.start()
            broken, self._producer = self._producer, fresh
            self._renewed_at = time.monotonic()
        if broken is not None:
            try:
                await asyncio.wait_for(broken.stop(), RENEW_STOP_TIMEOUT_S)
            except Exception as exc:  # it is broken already; the new one works
                logger.warning("the broken Kafka producer did not stop cleanly: %r", exc)


class OrderedConsumer(Consumer):
    """Faust's aiokafka consumer that never lets an agent skip a record of a partition.

    Table changelogs are left alone: Faust's recovery positions and reads them itself.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = PartitionOrder()
        # A stream marks a record tracked when it takes it from the agent's queue.
        self.handover: Handover[Any] = Handover(lambda message: bool(message.tracked))
        self._rewinds: dict[TP, int] = {}

    def _new_consumer_thread(self) -> ShortWaitConsumerThread:
        return ShortWaitConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _sources(self, partitions: Set[TP]) -> set[TP]:
        return {tp for tp in partitions if not self._is_changelog_tp(tp)}

    async def on_partitions_revoked(self, revoked: Set[TP]) -> None:
        self.order.revoked(revoked)
        self._forget(revoked)
        await super().on_partitions_revoked(revoked)

    async def on_partitions_assigned(self, assigned: Set[TP], generation_id: int = 0) -> None:
        # Before Faust's own handling: nothing fetched from here on reaches an agent
        # until perform_seek has put each partition back at its committed offset.
        self.order.assigned(self._sources(assigned))
        self._forget(assigned)
        await super().on_partitions_assigned(assigned, generation_id)

    def _forget(self, partitions: Set[TP]) -> None:
        self.handover.forget(partitions)
        for tp in partitions:
            self._rewinds.pop(tp, None)

    def resume_flow(self) -> None:
        """Faust calls this right after ``flow_control.resume()``, which emptied every
        agent's queue: records delivered and not yet taken are read again."""
        super().resume_flow()
        for tp, offset in self.handover.lost().items():
            self.order.rewind(tp, offset)
            self._rewinds[cast(TP, tp)] = offset

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek every assigned partition to its committed offset, the log start if none.

        aiokafka leaves a partition without a committed offset where it is, which may be
        past records fetched and dropped in a rebalance: the worker reads from the start
        then (``auto_offset_reset=earliest``), so it is sought there explicitly. A batch
        fetched between aiokafka's seek and this method's return was dropped (not
        positioned yet): every partition is sought once more once positioned.
        """
        committed = dict(await super().seek_to_committed())
        sources = self._sources(set(committed))
        uncommitted = [tp for tp in sources if not committed[tp]]
        starts = dict(await self.earliest_offsets(*uncommitted)) if uncommitted else {}
        positions = {tp: committed[tp] or starts[tp] for tp in sources}
        for tp, offset in positions.items():
            self.order.positioned(tp, offset)
        await self._seek_in_thread(positions)
        return committed

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        if not self._is_changelog_tp(partition):
            self.order.positioned(partition, offset)

    async def _seek_in_thread(self, positions: Mapping[TP, int]) -> None:
        """Seek in the consumer's own thread, as Faust's seek to committed offsets does."""
        consumer = self._thread._ensure_consumer()

        async def seek() -> None:
            for tp, offset in positions.items():
                consumer.seek(tp, offset)

        await self._thread.call_thread(seek)

    async def _rewind(self) -> None:
        """Read again the records Faust threw away (:meth:`resume_flow`), before any other."""
        rewinds, self._rewinds = self._rewinds, {}
        for tp, offset in rewinds.items():
            logger.warning(
                "%s[%d]: records from offset %d had not reached an agent when the flow "
                "resumed (Faust empties the agents' queues then); reading again from there",
                tp.topic,
                tp.partition,
                offset,
            )
        await self._seek_in_thread(rewinds)
        for tp, offset in rewinds.items():
            self.order.positioned(tp, offset)
            self._read_offset[tp] = offset or None
            self._forget_acks_from(tp, offset)

    def _forget_acks_from(self, tp: TP, offset: int) -> None:
        """A stream acknowledges a record it dropped (flow stopped, older generation):
        those acknowledgements must not let the commit pass records read again."""
        acked = self._acked.get(tp)
        if not acked:
            return
        dropped = {o for o in acked if o >= offset}
        acked[:] = [o for o in acked if o < offset]
        self._acked_index[tp].difference_update(dropped)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Any]]:
        """Faust's batch, minus records out of their partition's offset order."""
        if self._rewinds:
            await self._rewind()
        self.order.new_batch()
        async for tp, message in super().getmany(timeout):
            if self._is_changelog_tp(tp):
                yield tp, message
                continue
            verdict = self.order.admit(tp, message.offset)
            if verdict is Admit.DELIVER:
                self.handover.handed(tp, message.offset, message)
                yield tp, message
            elif verdict is Admit.DELIVER_AFTER_GAP:
                logger.warning(
                    "%s[%d]: offsets before %d no longer exist; continuing from there",
                    tp.topic,
                    tp.partition,
                    message.offset,
                )
                self.handover.handed(tp, message.offset, message)
                yield tp, message
            elif verdict is Admit.SEEK_BACK:
                expected = self.order.next_offset(tp)
                assert expected is not None
                logger.warning(
                    "%s[%d]: offset %d fetched while %d is next (records skipped); "
                    "reading again from %d",
                    tp.topic,
                    tp.partition,
                    message.offset,
                    expected,
                    expected,
                )
                await self._seek_in_thread({tp: expected})
                self._read_offset[tp] = expected or None
            else:
                logger.debug(
                    "%s[%d]@%d dropped: %s", tp.topic, tp.partition, message.offset, verdict.value
                )


#: Topic settings every topic an app creates gets (set_internal_topic_config), per app.
_INTERNAL_TOPIC_CONFIG: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def set_internal_topic_config(app: Any, config: Mapping[str, str]) -> None:
    """Give every topic ``app`` creates ``config`` (a table's own settings win over it)."""
    _INTERNAL_TOPIC_CONFIG[app] = dict(config)


class _TolerantBatch:
    """aiokafka's (C) record batch, continued in its pure-Python parser, which reads header
    names tolerantly, from the record whose header name is not UTF-8 on."""

    def __init__(self, batch: Any, data: memoryview) -> None:
        self._batch = batch
        self._data = data
        self._read = 0
        self._records: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._batch, name)

    def __iter__(self) -> _TolerantBatch:
        self._records = iter(self._batch)
        return self

    def __next__(self) -> Any:
        if self._records is None:
            self._records = iter(self._batch)
        try:
            record = next(self._records)
        except UnicodeDecodeError:
            self._records = self._tolerant_records()
            record = next(self._records)
        self._read += 1
        return record

    def _tolerant_records(self) -> Any:
        batch = _DefaultRecordBatchPy(self._data)
        records = iter(batch)  # decompresses: the buffer to replace is the one it reads
        batch._buffer = TolerantBuffer(batch._buffer)
        for _ in range(self._read):
            next(records)
        return records


class TolerantMemoryRecords(_MemoryRecordsPy):  # type: ignore[misc]
    """The batches of a fetch response, each read tolerantly (pinned: aiokafka 0.14,
    see constraints.txt). Slicing the response into batches is cheap in Python; the
    records are still parsed by aiokafka's C parser until one fails."""

    def next_batch(self, *args: Any) -> Any:
        data = self._next_slice
        batch = super().next_batch(*args)
        if isinstance(batch, DefaultRecordBatch):
            return _TolerantBatch(batch, data)
        return batch


class IdempotentTransport(Transport):
    """Faust's aiokafka transport with :class:`IdempotentProducer` and :class:`OrderedConsumer`.

    Topics it creates carry the app's internal topic config (set_internal_topic_config).
    """

    Producer = IdempotentProducer
    Consumer = OrderedConsumer

    def _topic_config(
        self,
        retention: int | None = None,
        compacting: bool | None = None,
        deleting: bool | None = None,
    ) -> MutableMapping[str, Any]:
        # Faust adds a topic's own config (a changelog's extra_topic_configs) on top.
        config = super()._topic_config(retention, compacting, deleting)
        return {**_INTERNAL_TOPIC_CONFIG.get(self.app, {}), **config}


def register() -> str:
    """Make ``corridorkafka://`` URLs resolve to this transport; returns the scheme."""
    TRANSPORTS.aliases[SCHEME] = f"{__name__}:IdempotentTransport"
    fetcher.MemoryRecords = TolerantMemoryRecords
    return SCHEME

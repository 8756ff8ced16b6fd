"""Which table entries have outlived the retention window: bounded state for Faust tables.

Faust tables can only be changed while an event of the same partition is being
processed (the changelog write goes to that partition). So expiry is driven by
events: each partition keeps its entries in the order they were written, and
every event of that partition removes what fell out of the window, measured in
event time (record timestamps), not wall-clock time.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable

from streams.packed_log import PackedLog

_KEY_LENGTH = struct.Struct("<H")
_MAX_KEY = 0xFFFF


class _WriteLog:
    """One partition's writes in order: event times in a C array, keys packed in bytes.

    A tuple per write cost about 200 bytes (tuple, int and list slot) on top of the key,
    and a list of keys still held a 40-byte object per key where the store does not
    share its own (rocksdb): each key is now copied into one byte array behind its
    length, 10 bytes per write on top of the key. Expired writes are dropped from the
    front lazily (``head``), and the storage is compacted once more than half of it is dead.
    """

    __slots__ = ("head", "head_at", "keys", "times")

    def __init__(self, entries: Iterable[tuple[int, bytes]] = ()) -> None:
        self.times: array[int] = array("q")
        self.keys = bytearray()
        self.head = 0
        """Index in ``times`` of the first write not popped."""
        self.head_at = 0
        """Offset in ``keys`` of that write's key length."""
        for written_ms, key in entries:
            self.append(written_ms, key)

    def __len__(self) -> int:
        return len(self.times) - self.head

    def append(self, written_ms: int, key: bytes) -> None:
        if len(key) > _MAX_KEY:
            raise ValueError("an expiring key is at most 65,535 bytes")
        self.times.append(written_ms)
        self.keys += _KEY_LENGTH.pack(len(key))
        self.keys += key

    def pop_before(self, horizon: int) -> list[tuple[int, bytes]]:
        """Remove and return the writes from the front while older than ``horizon``."""
        out: list[tuple[int, bytes]] = []
        times, keys, head, at, end = self.times, self.keys, self.head, self.head_at, len(self.times)
        while head < end and times[head] < horizon:
            start = at + _KEY_LENGTH.size
            at = start + _KEY_LENGTH.unpack_from(keys, at)[0]
            out.append((times[head], bytes(keys[start:at])))
            head += 1
        self.head, self.head_at = head, at
        if head > 1024 and head * 2 > end:
            del self.times[:head]
            del self.keys[:at]
            self.head = self.head_at = 0
        return out


class RetentionIndex:
    """Per-partition write order of table keys, to expire them by event time."""

    def __init__(self, window_ms: int) -> None:
        if window_ms <= 0:
            raise ValueError("retention window must be positive")
        self.window_ms = window_ms
        self._order: dict[int, _WriteLog] = {}
        self._watermark: dict[int, int] = {}

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._order.values())

    def knows(self, partition: int) -> bool:
        """Whether ``partition`` has been loaded (see :meth:`load`) or written since."""
        return partition in self._order

    def load(self, partition: int, entries: Iterable[tuple[int, bytes]]) -> None:
        """Start tracking ``partition`` with entries recovered from the table's store."""
        ordered = sorted(entries)
        self._order[partition] = _WriteLog(ordered)
        if ordered:
            self._watermark[partition] = max(self._watermark.get(partition, 0), ordered[-1][0])

    def forget(self, partition: int) -> None:
        """Stop tracking a partition this worker no longer owns."""
        self._order.pop(partition, None)
        self._watermark.pop(partition, None)

    def watermark(self, partition: int) -> int | None:
        """Highest event time seen on ``partition``."""
        return self._watermark.get(partition)

    def advance(self, partition: int, event_ms: int) -> None:
        """Move the partition's event time forward (never backward)."""
        if partition not in self._order:
            self._order[partition] = _WriteLog()
        if event_ms > self._watermark.get(partition, event_ms - 1):
            self._watermark[partition] = event_ms

    def written(self, partition: int, event_ms: int, key: bytes) -> None:
        """Record that ``key`` was written at ``event_ms`` on ``partition``."""
        self.advance(partition, event_ms)
        self._order[partition].append(event_ms, key)

    def expired(self, partition: int) -> list[tuple[int, bytes]]:
        """Remove and return ``(written_ms, key)`` older than the window on ``partition``.

        A key written again later is returned once per write; the caller deletes
        it only if the stored entry still carries the expired write time.
        """
        order = self._order.get(partition)
        watermark = self._watermark.get(partition)
        if not order or watermark is None:
            return []
        return order.pop_before(watermark - self.window_ms)


class PackedRetention:
    """The expiry index of a table kept in a :class:`~streams.packed_log.PackedLog`.

    The log already holds each partition's writes in order, so this keeps only each
    partition's event time: no key is held twice. Same interface as :class:`RetentionIndex`
    except :meth:`load`, which reads the log rather than a list of recovered entries.
    """

    def __init__(self, window_ms: int, log: PackedLog) -> None:
        if window_ms <= 0:
            raise ValueError("retention window must be positive")
        self.window_ms = window_ms
        self._log = log
        self._known: set[int] = set()
        self._watermark: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._log)

    def knows(self, partition: int) -> bool:
        """Whether ``partition`` has been loaded (see :meth:`load`) or written since."""
        return partition in self._known

    def load(self, partition: int) -> None:
        """Start tracking ``partition``: its entries recovered from the changelog, oldest
        write first (the changelog has them in the order they were written)."""
        latest = self._log.sort(partition)
        self._known.add(partition)
        if latest is not None:
            self._watermark[partition] = max(self._watermark.get(partition, 0), latest)

    def forget(self, partition: int) -> None:
        """Stop tracking a partition this worker no longer owns (its entries stay in the
        store, as Faust keeps them, and are loaded again if the partition comes back)."""
        self._known.discard(partition)
        self._watermark.pop(partition, None)

    def watermark(self, partition: int) -> int | None:
        """Highest event time seen on ``partition``."""
        return self._watermark.get(partition)

    def advance(self, partition: int, event_ms: int) -> None:
        """Move the partition's event time forward (never backward)."""
        self._known.add(partition)
        if event_ms > self._watermark.get(partition, event_ms - 1):
            self._watermark[partition] = event_ms

    def written(self, partition: int, event_ms: int, key: bytes) -> None:
        """``key`` was written at ``event_ms`` on ``partition`` (the log has the record)."""
        self.advance(partition, event_ms)

    def expired(self, partition: int) -> list[tuple[int, bytes]]:
        """Remove and return ``(written_ms, key)`` older than the window on ``partition``,
        as :meth:`RetentionIndex.expired` does."""
        watermark = self._watermark.get(partition)
        if partition not in self._known or watermark is None:
            return []
        return self._log.pop_written_before(partition, watermark - self.window_ms)

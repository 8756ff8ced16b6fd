"""A bytes-to-bytes mapping packed into byte arrays: the in-memory store of the dedupe tables.

A dict of ``bytes`` costs about 170 bytes per entry of a 32-byte digest and a 22-byte
value (two objects of 50-60 bytes, plus the dict's slot and index). Here every write is
a record ``<key length><value length><key><value>`` appended to a byte log of the
partition the value was written on (the value tells, as dedupe values do), and keys are
found through an open-addressing table of record positions in a C array: about 60
bytes plus 16 of table per digest entry, and no Python object per entry.

The log of a partition is also its write order, which is what expiry by event time
walks (:meth:`PackedLog.pop_written_before`), so the table needs no separate index
holding its keys a second time. A write of an existing key appends a new record; the
older one is dead and its bytes go once expiry has passed them.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Iterator, MutableMapping

#: How a value tells when (event time, ms) and on which partition it was written.
WrittenAt = Callable[[bytes], tuple[int, int]]

_HEADER = struct.Struct("<HH")
_MAX_FIELD = 0xFFFF
_EMPTY = -1
_DELETED = -2
# A record reference is its position in its partition's log, shifted, or'ed with the
# partition: one C int64 per slot, 2**43 bytes of log per partition before it overflows.
_PARTITION_BITS = 20
_PARTITION_MASK = (1 << _PARTITION_BITS) - 1
_MIN_SLOTS = 8
# A log drops its expired front once that is this big and a quarter of it: a log then holds
# at most a third more than its live records (moving the rest is a memmove, in C).
_COMPACT_BYTES = 1 << 16


class _Log:
    """One partition's records in write order; positions count from the first write ever."""

    __slots__ = ("base", "data", "head")

    def __init__(self, base: int = 0) -> None:
        self.data = bytearray()
        self.base = base
        """Position of ``data[0]``: the bytes before it were dropped."""
        self.head = base
        """Position of the first record not yet popped by expiry."""

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def record(self, position: int) -> tuple[int, int, int]:
        """``(key start, value start, next position)`` of the record at ``position``, in
        ``data`` offsets for the first two."""
        at = position - self.base
        key_len, value_len = _HEADER.unpack_from(self.data, at)
        key_at = at + _HEADER.size
        return key_at, key_at + key_len, position + _HEADER.size + key_len + value_len


class PackedLog(MutableMapping[bytes, bytes]):
    """Keys and values (each at most 65,535 bytes) in per-partition byte logs."""

    def __init__(self, written_at: WrittenAt) -> None:
        self._written_at = written_at
        self._logs: dict[int, _Log] = {}
        self._slots = array("q", [_EMPTY]) * _MIN_SLOTS
        self._size = 0
        self._filled = 0  # slots not empty: live ones and deletion marks

    # -- mapping -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, key: bytes) -> bytes:
        ref = self._find(key)[1]
        if ref < 0:
            raise KeyError(key)
        return self._value(ref)

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        ref = self._find(key)[1]
        return default if ref < 0 else self._value(ref)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes | bytearray) and self._find(bytes(key))[1] >= 0

    def __setitem__(self, key: bytes, value: bytes) -> None:
        key_len, value_len = len(key), len(value)
        if key_len > _MAX_FIELD or value_len > _MAX_FIELD:
            raise ValueError("packed keys and values are at most 65,535 bytes")
        try:
            partition = self._written_at(value)[1]
        except struct.error as exc:
            raise ValueError(f"a value that does not tell where it was written: {exc}") from exc
        if not 0 <= partition <= _PARTITION_MASK:
            raise ValueError(f"partition {partition} out of range")
        log = self._logs.get(partition)
        if log is None:
            log = self._logs[partition] = _Log()
        slot, old = self._find(key)
        data = log.data
        self._slots[slot] = ((log.base + len(data)) << _PARTITION_BITS) | partition
        data += b"".join((_HEADER.pack(key_len, value_len), key, value))
        if old == _EMPTY:
            self._size += 1
            self._filled += 1
            if self._filled * 3 >= len(self._slots) * 2:
                self._resize()
        elif old == _DELETED:
            self._size += 1

    def __delitem__(self, key: bytes) -> None:
        slot, ref = self._find(key)
        if ref < 0:
            raise KeyError(key)
        self._slots[slot] = _DELETED
        self._size -= 1

    def __iter__(self) -> Iterator[bytes]:
        for _, key, _ in self._live(list(self._logs)):
            yield key

    def clear(self) -> None:
        self._logs.clear()
        self._slots = array("q", [_EMPTY]) * _MIN_SLOTS
        self._size = self._filled = 0

    # -- write order ---------------------------------------------------------------------

    def partitions(self) -> set[int]:
        """Partitions with a log (written, or recovered, since they were last dropped)."""
        return set(self._logs)

    def pop_written_before(self, partition: int, horizon: int) -> list[tuple[int, bytes]]:
        """Remove from the front of ``partition``'s write order, and return, the writes
        ``(written_ms, key)`` while older than ``horizon``, dead ones (written again since)
        included: as :meth:`streams.retention.RetentionIndex.expired`, the caller deletes a
        key whose current value still carries the expired write time."""
        log = self._logs.get(partition)
        if log is None:
            return []
        self._compact(partition, log)
        out: list[tuple[int, bytes]] = []
        data, written_at, position, end = log.data, self._written_at, log.head, log.end
        while position < end:
            key_at, value_at, following = log.record(position)
            value_end = following - log.base
            written_ms = written_at(bytes(data[value_at:value_end]))[0]
            if written_ms >= horizon:
                break
            out.append((written_ms, bytes(data[key_at:value_at])))
            position = following
        log.head = position
        return out

    def writes(self, partition: int) -> int:
        """Bytes of ``partition``'s log not yet popped (live and dead records)."""
        log = self._logs.get(partition)
        return 0 if log is None else log.end - log.head

    def sort(self, partition: int) -> int | None:
        """Put ``partition``'s live entries oldest write first (as recovered entries are
        loaded); returns the latest write time (None: no entry). A log already in order,
        as a changelog replayed in write order usually is, is left as it is."""
        log = self._logs.get(partition)
        if log is None:
            return None
        latest: int | None = None
        in_order = True
        for _, _, value in self._live([partition]):
            written_ms = self._written_at(value)[0]
            if latest is not None and written_ms < latest:
                in_order = False
                break
            latest = written_ms
        if in_order:
            return latest
        entries = [
            (self._written_at(value)[0], key, value, self._find(key)[0])
            for _, key, value in self._live([partition])
        ]
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        fresh = self._logs[partition] = _Log(base=log.end)
        for _, key, value, slot in entries:
            self._relink(partition, fresh, slot, key, value)
        return entries[-1][0]

    def drop(self, partition: int) -> int:
        """Delete every entry written on ``partition``; returns how many."""
        if partition not in self._logs:
            return 0
        doomed = [key for _, key, _ in self._live([partition])]
        for key in doomed:
            del self[key]
        del self._logs[partition]
        return len(doomed)

    def nbytes(self) -> int:
        """Bytes held by the logs and the slot table (capacity, not just what is used)."""
        logs = sum(log.data.__sizeof__() for log in self._logs.values())
        return logs + self._slots.__sizeof__()

    # -- internals -----------------------------------------------------------------------

    def _find(self, key: bytes) -> tuple[int, int]:
        """``(slot, ref)`` of ``key``; when absent, ref is ``_EMPTY`` (slot: an empty one) or
        ``_DELETED`` (slot: a deletion mark to reuse), and slot is where to put it."""
        slots = self._slots
        mask = len(slots) - 1
        perturb = hash(key) & 0xFFFFFFFFFFFFFFFF
        slot = perturb & mask
        ref = slots[slot]
        if ref == _EMPTY:
            return slot, _EMPTY
        logs, size, free = self._logs, len(key), -1
        while True:
            if ref == _DELETED:
                if free < 0:
                    free = slot
            elif ref != _EMPTY:
                log = logs[ref & _PARTITION_MASK]
                data = log.data
                at = (ref >> _PARTITION_BITS) - log.base
                if _HEADER.unpack_from(data, at)[0] == size and data.startswith(
                    key, at + _HEADER.size
                ):
                    return slot, ref
            else:
                return (slot, _EMPTY) if free < 0 else (free, _DELETED)
            # CPython's own probe sequence: every slot is reached, and clusters break up.
            perturb >>= 5
            slot = (slot * 5 + perturb + 1) & mask
            ref = slots[slot]

    def _value(self, ref: int) -> bytes:
        log = self._logs[ref & _PARTITION_MASK]
        _, value_at, following = log.record(ref >> _PARTITION_BITS)
        return bytes(log.data[value_at : following - log.base])

    def _live(self, partitions: list[int]) -> Iterator[tuple[int, bytes, bytes]]:
        """``(ref, key, value)`` of the current records of ``partitions``, in log order."""
        for partition in partitions:
            log = self._logs[partition]
            position = log.base
            while position < log.end:
                key_at, value_at, following = log.record(position)
                key = bytes(log.data[key_at:value_at])
                ref = (position << _PARTITION_BITS) | partition
                if self._find(key)[1] == ref:
                    yield ref, key, bytes(log.data[value_at : following - log.base])
                position = following

    def _relink(self, partition: int, log: _Log, slot: int, key: bytes, value: bytes) -> None:
        """Append a live entry's record to ``log`` and point its ``slot`` there (found
        before the record's old bytes went)."""
        ref = (log.end << _PARTITION_BITS) | partition
        log.data += _HEADER.pack(len(key), len(value))
        log.data += key
        log.data += value
        self._slots[slot] = ref

    def _compact(self, partition: int, log: _Log) -> None:
        """Drop the popped front of ``log`` once it is big; an entry still current there
        (its key was not deleted when popped) moves to the end rather than being lost."""
        cut = log.head - log.base
        if cut < _COMPACT_BYTES or cut * 4 < len(log.data):
            return
        kept: list[tuple[int, bytes, bytes]] = []
        position = log.base
        while position < log.head:
            key_at, value_at, following = log.record(position)
            key = bytes(log.data[key_at:value_at])
            slot, ref = self._find(key)
            if ref == (position << _PARTITION_BITS) | partition:
                kept.append((slot, key, bytes(log.data[value_at : following - log.base])))
            position = following
        del log.data[:cut]
        log.base = log.head
        for slot, key, value in kept:
            self._relink(partition, log, slot, key, value)

    def _resize(self) -> None:
        """Grow (or clean of deletion marks) the slot table: at most half full after."""
        size = _MIN_SLOTS
        while size < self._size * 2 + 1:
            size *= 2
        old, slots = self._slots, array("q", [_EMPTY]) * size
        mask, logs, key_length = size - 1, self._logs, _HEADER.unpack_from
        for ref in old:
            if ref < 0:
                continue
            log = logs[ref & _PARTITION_MASK]
            data = log.data
            key_at = (ref >> _PARTITION_BITS) - log.base + _HEADER.size
            key_end = key_at + key_length(data, key_at - _HEADER.size)[0]
            perturb = hash(bytes(data[key_at:key_end])) & 0xFFFFFFFFFFFFFFFF
            slot = perturb & mask
            while slots[slot] != _EMPTY:
                perturb >>= 5
                slot = (slot * 5 + perturb + 1) & mask
            slots[slot] = ref
        self._slots = slots
        self._filled = self._size

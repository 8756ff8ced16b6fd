"""Faust tables whose entries expire: the state of the deduplication stage.

Expiry runs inside the agent, one partition at a time, because Faust writes a
table's changelog to the partition of the event being processed. The changelog
topic also gets a ``delete`` retention as a backstop, so a restarted worker
never recovers more than that.
"""

from __future__ import annotations

from typing import Any

import faust
from yarl import URL

from streams.packed_log import PackedLog, WrittenAt
from streams.packed_store import PackedStore
from streams.retention import PackedRetention, RetentionIndex

__all__ = [
    "CorridorTable",
    "PackedTable",
    "RetainedTable",
    "WrittenAt",
    "changelog_config",
    "packed_log_of",
]


def changelog_config(window_ms: int) -> dict[str, str]:
    """Topic config for a retained table's changelog: compacted, and deleted after 2 windows."""
    return {"cleanup.policy": "compact,delete", "retention.ms": str(2 * window_ms)}


def packed_log_of(table: Any) -> PackedLog | None:
    """The :class:`PackedLog` holding ``table``'s entries: a Faust table's store's, or the
    table itself (None: kept otherwise)."""
    for _ in range(3):  # Faust table -> its store -> the store's mapping
        if isinstance(table, PackedLog):
            return table
        table = getattr(table, "data", None)
    return None


class RetainedTable:
    """A Faust table (bytes to bytes) plus the index that expires its entries.

    A table kept in a :class:`PackedLog` (a :class:`PackedTable` on ``memory://``) is
    its own write order; any other (rocksdb, a dict in tests) gets a
    :class:`RetentionIndex` of its keys.
    """

    def __init__(self, table: Any, window_ms: int, written_at: WrittenAt) -> None:
        self.table = table
        self._log = packed_log_of(table)
        self.index: PackedRetention | RetentionIndex = (
            RetentionIndex(window_ms)
            if self._log is None
            else PackedRetention(window_ms, self._log)
        )
        self._written_at = written_at

    def get(self, key: bytes) -> bytes | None:
        """The current value of ``key``, if any."""
        if self._log is not None:
            # Reads change nothing: straight from the log, not through the table and store.
            return self._log.get(key)
        value: bytes | None = self.table.get(key)
        return value

    def put(self, key: bytes, value: bytes, partition: int, event_ms: int) -> None:
        """Write ``key`` during an event of ``partition``.

        A batched stage writes once the batch's sends were acknowledged, after a later
        record of the batch may have moved the partition's event time on: an entry
        already older than the window then goes at once, as it would have had the records
        come one at a time.
        """
        self.table[key] = value
        self.index.written(partition, event_ms, key)
        self.expire(partition, event_ms)

    def expire(self, partition: int, event_ms: int) -> int:
        """Delete this partition's entries older than the window; returns how many."""
        if not self.index.knows(partition):
            if isinstance(self.index, PackedRetention):
                self.index.load(partition)
            else:
                self.index.load(partition, self._recovered(partition))
        self.index.advance(partition, event_ms)
        deleted = 0
        for written_ms, key in self.index.expired(partition):
            value = self.get(key)
            if value is not None and self._written_at(value)[0] == written_ms:
                del self.table[key]
                deleted += 1
        return deleted

    def forget(self, partitions: set[int]) -> None:
        """Partitions were revoked: their entries are another worker's now."""
        for partition in partitions:
            self.index.forget(partition)

    def __len__(self) -> int:
        return len(self.index)

    def _recovered(self, partition: int) -> list[tuple[int, bytes]]:
        """Entries of ``partition`` already in the store (recovered from the changelog)."""
        found = []
        for key, value in self.table.items():
            written_ms, written_partition = self._written_at(value)
            if written_partition == partition:
                found.append((written_ms, bytes(key)))
        return found


class CorridorTable(faust.Table):  # type: ignore[type-arg]
    """A Faust table that waits for a changelog's metadata instead of failing on it.

    Faust checks, on a table's first write from a source topic, that the source
    and the changelog have the same number of partitions. Just after the worker
    created a changelog topic its consumer's metadata can list it with no
    partitions yet (no leader elected); Faust then raised ``PartitionsMismatch``
    on every write, so the agent crash-looped while the process stayed up. Zero
    partitions means "not known yet": the check is deferred to a later write,
    and a real mismatch (both counts known) still raises.
    """

    def _verify_source_topic_partitions(self, source_topic: str) -> None:
        change_n = self.app.consumer.topic_partitions(self.changelog_topic_name)
        if change_n == 0:
            return
        super()._verify_source_topic_partitions(source_topic)


class PackedTable(CorridorTable):
    """A retained table whose ``memory://`` store packs its entries (:class:`PackedStore`).

    ``written_at`` tells from a value when and on which partition it was written; any
    other store URL (``rocksdb://``) gets Faust's own store.
    """

    def __init__(self, *args: Any, written_at: WrittenAt, **kwargs: Any) -> None:
        self.written_at = written_at
        super().__init__(*args, **kwargs)

    def _new_store_by_url(self, url: str | URL) -> Any:
        if URL(str(url)).scheme != "memory":
            return super()._new_store_by_url(url)
        return PackedStore(
            url,
            self.app,
            self,
            written_at=self.written_at,
            table_name=self.name,
            key_type=self.key_type,
            key_serializer=self.key_serializer,
            value_serializer=self.value_serializer,
            value_type=self.value_type,
            loop=self.loop,
            options=self.options,
        )

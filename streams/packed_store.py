"""Faust's memory store with its entries packed: the ``memory://`` store of the dedupe tables.

Faust's own memory store keeps a dict of Python objects (about 170 bytes per digest
entry); this one keeps a :class:`~streams.packed_log.PackedLog`. Keys and values are the
same bytes either way, so the changelog (and recovery from it) is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from faust.stores.memory import Store as MemoryStore

from streams.packed_log import PackedLog, WrittenAt

logger = logging.getLogger(__name__)


class PackedStore(MemoryStore[bytes, bytes]):
    """A table's entries in a :class:`PackedLog`; values must tell where they were written."""

    def __init__(self, *args: Any, written_at: WrittenAt, **kwargs: Any) -> None:
        self._written_at = written_at
        self._recovered: set[int] = set()
        super().__init__(*args, **kwargs)

    def __post_init__(self) -> None:
        self.data: PackedLog = PackedLog(self._written_at)
        self._key_partition: dict[Any, int] = {}  # Faust's; unused here

    def apply_changelog_batch(
        self,
        batch: Iterable[Any],
        to_key: Callable[[Any], Any],
        to_value: Callable[[Any], Any],
    ) -> None:
        """Replay changelog records: a value sets its key, a tombstone (None) deletes it.

        A value that is not an entry of this table (an older encoding) is logged and not
        recovered: the dict store would have kept it and failed the stage when reading it.
        """
        for event in batch:
            key = to_key(event.key)
            self._recovered.add(event.message.partition)
            if event.message.value is None:
                self.data.pop(key, None)
                continue
            try:
                self.data[key] = to_value(event.value)
            except ValueError as exc:
                self.data.pop(key, None)
                logger.error(
                    "%s: changelog record for %r on partition %d not recovered: %s",
                    self.table_name,
                    key,
                    event.message.partition,
                    exc,
                )

    async def on_recovery_completed(self, active_tps: set[Any], standby_tps: set[Any]) -> None:
        """Drop what was recovered for partitions this worker does not own, as Faust's
        memory store does (a value's partition is its changelog partition)."""
        active = {partition for _, partition in active_tps}
        for partition in self._recovered - active:
            self.data.drop(partition)
        self._recovered.clear()

"""Which table entries have outlived the retention window: bounded state for Faust tables.

Faust tables can only be changed while an event of the same partition is being
processed (the changelog write goes to that partition). So expiry is driven by
events: each partition keeps its entries in the order they were written, and
every event of that partition removes what fell out of the window, measured in
event time (record timestamps), not wall-clock time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class RetentionIndex:
    """Per-partition write order of table keys, to expire them by event time."""

    def __init__(self, window_ms: int) -> None:
        if window_ms <= 0:
            raise ValueError("retention window must be positive")
        self.window_ms = window_ms
        self._order: dict[int, deque[tuple[int, bytes]]] = {}
        self._watermark: dict[int, int] = {}

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._order.values())

    def knows(self, partition: int) -> bool:
        """Whether ``partition`` has been loaded (see :meth:`load`) or written since."""
        return partition in self._order

    def load(self, partition: int, entries: Iterable[tuple[int, bytes]]) -> None:
        """Start tracking ``partition`` with entries recovered from the table's store."""
        ordered = sorted(entries)
        self._order[partition] = deque(ordered)
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
        self._order.setdefault(partition, deque())
        if event_ms > self._watermark.get(partition, event_ms - 1):
            self._watermark[partition] = event_ms

    def written(self, partition: int, event_ms: int, key: bytes) -> None:
        """Record that ``key`` was written at ``event_ms`` on ``partition``."""
        self.advance(partition, event_ms)
        self._order[partition].append((event_ms, key))

    def expired(self, partition: int) -> list[tuple[int, bytes]]:
        """Remove and return ``(written_ms, key)`` older than the window on ``partition``.

        A key written again later is returned once per write; the caller deletes
        it only if the stored entry still carries the expired write time.
        """
        order = self._order.get(partition)
        watermark = self._watermark.get(partition)
        if not order or watermark is None:
            return []
        horizon = watermark - self.window_ms
        out: list[tuple[int, bytes]] = []
        while order and order[0][0] < horizon:
            out.append(order.popleft())
        return out

"""Each partition's records reach the worker's agents in offset order, none skipped.

Faust (faust-streaming 0.15) can hand an agent a partition's records with a hole in
them after a rebalance, and the worker's first rebalance comes right after it starts
(Faust creates its internal topics, the group rejoins). What happens:

1. A rebalance stops the flow while a fetched batch is being handed out: the record
   being handed over and the rest of the batch are dropped, and records already queued
   for an agent are cleared. aiokafka's position is past all of them.
2. Recovery resumes the partitions and the flow *before* its seek to the committed
   offsets has completed, so records fetched from the stale position (past the dropped
   ones) reach the agents; Faust then remembers them as read and silently drops the
   dropped records when the seek brings them back ("offset below the read offset").
   A partition with no committed offset yet is not sought at all.
3. The records after the hole are processed and acknowledged; the commit stops at the
   hole (or, when Faust sees the jump, it even commits across it as a "gap"). The next
   worker processes the hole: an alert's revision 1 after its revision 2, which
   deduplication then drops as stale.

:class:`PartitionOrder` is the rule the consumer applies before any record reaches an
agent: after an assignment nothing is delivered until the partition was positioned
(sought to its committed offset, or the log start when it has none); then only the next
offset is delivered. A record past it means records were skipped: they are fetched again
(seek back), and what remains of the batch is dropped.

4. A record delivered is not yet a record an agent has: it waits in the agent's queue,
   and Faust empties every queue when it resumes the flow (``FlowControlEvent.resume``,
   at the end of each recovery after an assignment, right after the seek to the
   committed offsets). A record fetched during that seek was delivered and then thrown
   away; the next one was delivered after the resume: revision 1 of an alert vanished
   while the records around it passed, and the offsets committed went past it. A stream
   that takes a record while the flow is stopped, or from an older generation, drops it
   too, and even acknowledges it.

:class:`Handover` remembers each record delivered until a stream took it; when Faust
resumes the flow, the first one not taken on each partition is where that partition is
read again from (:meth:`PartitionOrder.rewind`). Pure logic, no I/O.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar


class Admit(enum.Enum):
    """What to do with one fetched record."""

    DELIVER = "deliver"
    """The partition's next record: hand it to the agents."""
    DELIVER_AFTER_GAP = "deliver_after_gap"
    """Offsets were missing again after seeking back: they no longer exist (retention
    deleted them, or they are transaction markers). Deliver, and say so."""
    NOT_POSITIONED = "not_positioned"
    """Assigned but not yet sought to its committed offset: drop, it will come again."""
    ALREADY_DELIVERED = "already_delivered"
    """Below the next offset (a batch fetched before a seek): drop."""
    SEEK_BACK = "seek_back"
    """Past the next offset: records were skipped. Drop it and seek back to the next
    offset (:meth:`PartitionOrder.next_offset`)."""
    AFTER_SEEK_BACK = "after_seek_back"
    """The rest of a batch whose partition was sought back: drop."""


class PartitionOrder:
    """Per partition, the next offset an agent may receive."""

    def __init__(self) -> None:
        self._next: dict[Hashable, int | None] = {}
        self._unpositioned: set[Hashable] = set()
        self._sought_back: set[Hashable] = set()
        self._refetched: set[Hashable] = set()

    def assigned(self, partitions: Iterable[Hashable]) -> None:
        """A rebalance assigned ``partitions``: deliver nothing until they are positioned."""
        for tp in partitions:
            self._unpositioned.add(tp)
            self._next.pop(tp, None)
            self._sought_back.discard(tp)
            self._refetched.discard(tp)

    def revoked(self, partitions: Iterable[Hashable]) -> None:
        """``partitions`` are another member's now."""
        for tp in partitions:
            self._unpositioned.discard(tp)
            self._next.pop(tp, None)
            self._sought_back.discard(tp)
            self._refetched.discard(tp)

    def positioned(self, tp: Hashable, offset: int | None) -> None:
        """The consumer was sought to ``offset`` on ``tp`` (None: any offset comes next)."""
        self._unpositioned.discard(tp)
        self._next[tp] = offset
        self._sought_back.discard(tp)
        self._refetched.discard(tp)

    def rewind(self, tp: Hashable, offset: int) -> None:
        """Records from ``offset`` on were delivered and lost before an agent had them:
        deliver nothing more of ``tp`` until it was positioned there again."""
        if tp in self._unpositioned:
            return
        self._next[tp] = offset
        self._sought_back.add(tp)
        self._refetched.discard(tp)

    def next_offset(self, tp: Hashable) -> int | None:
        """The offset ``tp`` must continue from (None: not known, anything goes)."""
        return self._next.get(tp)

    def new_batch(self) -> None:
        """A fetch starts: partitions sought back are read from their new position now."""
        self._refetched |= self._sought_back
        self._sought_back.clear()

    def admit(self, tp: Hashable, offset: int) -> Admit:
        """Whether the record at ``offset`` of ``tp`` may reach the agents now."""
        if tp in self._unpositioned:
            return Admit.NOT_POSITIONED
        if tp in self._sought_back:
            return Admit.AFTER_SEEK_BACK
        expected = self._next.get(tp)
        if expected is None or offset == expected:
            self._next[tp] = offset + 1
            self._refetched.discard(tp)
            return Admit.DELIVER
        if offset < expected:
            return Admit.ALREADY_DELIVERED
        if tp in self._refetched:
            self._next[tp] = offset + 1
            self._refetched.discard(tp)
            return Admit.DELIVER_AFTER_GAP
        self._sought_back.add(tp)
        return Admit.SEEK_BACK


Record = TypeVar("Record")

#: Records kept per partition until taken: more than an agent's queue holds (Faust's
#: ``stream_buffer_maxsize``, 4096), so that a record no stream will ever take (Faust
#: dropped it between rebalances) cannot make the list grow without end.
MAX_WAITING = 16_384


class Handover(Generic[Record]):
    """Per partition, the records delivered that no stream has taken yet, oldest first."""

    def __init__(self, taken: Callable[[Record], bool]) -> None:
        self._taken = taken
        self._waiting: dict[Hashable, deque[tuple[int, Record]]] = {}

    def handed(self, tp: Hashable, offset: int, record: Record) -> None:
        """``record`` (at ``offset`` of ``tp``) was delivered to the agents."""
        waiting = self._waiting.setdefault(tp, deque(maxlen=MAX_WAITING))
        waiting.append((offset, record))
        self._prune(waiting)

    def lost(self) -> dict[Hashable, int]:
        """The queues were emptied: per partition, the first offset delivered and not taken.

        Everything delivered before now is forgotten: taken, or to be read again.
        """
        first: dict[Hashable, int] = {}
        for tp, waiting in self._waiting.items():
            self._prune(waiting)
            if waiting:
                first[tp] = min(offset for offset, _ in waiting)
        self._waiting.clear()
        return first

    def forget(self, partitions: Iterable[Hashable]) -> None:
        """``partitions`` will be read from their committed offsets again (or not by us)."""
        for tp in partitions:
            self._waiting.pop(tp, None)

    def __len__(self) -> int:
        return sum(len(w) for w in self._waiting.values())

    def _prune(self, waiting: deque[tuple[int, Record]]) -> None:
        # Streams take a partition's records in order: the taken ones are at the head.
        while waiting and self._taken(waiting[0][1]):
            waiting.popleft()

"""Noticing a group consumer that stopped fetching while its group has records waiting.

A kafka-python consumer has been seen, on a loaded machine, to stay in its group and poll
without an error while returning nothing for minutes, with records waiting on its
partitions (the library's own tracker has had several such reports). Nothing downstream
can tell such a consumer from an idle one, so the service watches for the one signature
an idle consumer never shows:

* its polls returned no record for ``after_s`` seconds, and
* over that time, measured from outside the group (:class:`consumers.lag.GroupLagMonitor`),
  the group had records waiting (lag above 0) and its committed offsets did not move.

A consumer busy with a slow record (a webhook being retried) is not polling, and a group
whose other member is making progress moves its commits: neither is a stall. The service
then recreates its consumer, which rejoins the group and resumes from the last commit.

The same wedge can leave the client spinning: kafka-python caps each fetch wait at the
time to its next heartbeat, which stays 0 once heartbeats have stopped, so an empty poll
loops without waiting until its timeout. :class:`SpinWatch` notices that from the
polling thread's CPU time, whether or not records wait: an empty poll of a healthy
consumer waits for its fetch and costs its thread 0.1-0.5% of the poll's time; a
spinning one 10-50% (measured on the 2-core machine, over 60 polls each; the client's
own I/O thread spends the rest of a core). The line is drawn at 5%.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: How long a consumer may poll nothing while its group has records waiting.
DEFAULT_STALL_S = 30.0
#: Empty polls in a row, each costing its thread this share of its time, that make a spin.
SPIN_POLLS = 25
SPIN_CPU_SHARE = 0.05
#: Shorter empty polls are not judged (a poll that returned early).
_SPIN_MIN_POLL_S = 0.05


@dataclass(frozen=True)
class GroupProgress:
    """One outside measurement of a consumer group."""

    lag: int
    """Records of the group's partitions after its committed offsets."""
    committed: int
    """Sum of the group's committed offsets (partitions without a commit count 0)."""
    at: float
    """When it was measured (monotonic seconds)."""


class StallWatch:
    """Tells when a consumer's empty polls and its group's progress say it is stuck.

    ``after_s`` of 0 or less switches the watch off.
    """

    def __init__(self, after_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._after_s = after_s
        self._clock = clock
        self._idle_since: float | None = None
        self._baseline: GroupProgress | None = None
        self._latest: GroupProgress | None = None

    def polled(self, records: int) -> None:
        """Record one poll's outcome."""
        if records:
            self.reset()
        elif self._idle_since is None:
            self._idle_since = self._clock()

    def measured(self, progress: GroupProgress | None) -> None:
        """Record the newest outside measurement (the same one again is ignored)."""
        if progress is None or progress == self._latest or self._idle_since is None:
            return
        if progress.at < self._idle_since:
            return
        self._latest = progress
        baseline = self._baseline
        if progress.lag <= 0:
            self._baseline = None  # nothing waiting: idle, not stuck
        elif baseline is None or progress.committed != baseline.committed:
            self._baseline = progress  # first sight of waiting records, or progress made

    def stalled(self) -> bool:
        """True when the consumer polled nothing for ``after_s`` while the group waited."""
        if self._after_s <= 0 or self._idle_since is None:
            return False
        if self._clock() - self._idle_since < self._after_s:
            return False
        baseline, latest = self._baseline, self._latest
        if baseline is None or latest is None or latest.lag <= 0:
            return False
        return latest.at - baseline.at >= self._after_s / 2

    def waiting(self) -> int | None:
        """Records the group had waiting at the newest measurement (None: none yet)."""
        return None if self._latest is None else self._latest.lag

    def idle_s(self) -> float:
        """Seconds since the last poll that returned records (0 if the last one did)."""
        return 0.0 if self._idle_since is None else self._clock() - self._idle_since

    def reset(self) -> None:
        """Start over: records arrived, or the consumer was recreated."""
        self._idle_since = None
        self._baseline = None
        self._latest = None


class SpinWatch:
    """Tells when empty polls keep the polling thread busy: a client looping in place."""

    def __init__(self, polls: int = SPIN_POLLS, cpu_share: float = SPIN_CPU_SHARE) -> None:
        self._polls = polls
        self._cpu_share = cpu_share
        self._busy = 0

    def polled(self, records: int, wall_s: float, cpu_s: float) -> None:
        """Record one poll: its records, its wall time and its thread's CPU time."""
        if records:
            self._busy = 0
        elif wall_s >= _SPIN_MIN_POLL_S:
            self._busy = self._busy + 1 if cpu_s >= self._cpu_share * wall_s else 0

    def spinning(self) -> bool:
        """True after ``polls`` busy empty polls in a row."""
        return self._busy >= self._polls

    def reset(self) -> None:
        """Start over (the consumer was recreated)."""
        self._busy = 0

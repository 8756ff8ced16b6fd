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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: How long a consumer may poll nothing while its group has records waiting.
DEFAULT_STALL_S = 30.0


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

    def idle_s(self) -> float:
        """Seconds since the last poll that returned records (0 if the last one did)."""
        return 0.0 if self._idle_since is None else self._clock() - self._idle_since

    def reset(self) -> None:
        """Start over: records arrived, or the consumer was recreated."""
        self._idle_since = None
        self._baseline = None
        self._latest = None

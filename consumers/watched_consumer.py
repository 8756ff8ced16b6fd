"""A service's group consumer, recreated when it stalls or spins (:mod:`consumers.stall_watch`).

The delivery service and each webhook worker poll through a :class:`WatchedConsumer`:
every poll's outcome and the newest outside measurement of the group go to a
:class:`StallWatch`, and every empty poll's thread CPU time to a :class:`SpinWatch`; on
a stall or a spin the consumer is closed without committing and built again, so it
rejoins the group and resumes from the last commit. Each recreation is logged at
WARNING and counted in ``corridor_consumer_restarts_total{group}``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kafka.errors import KafkaError
from prometheus_client import Counter

from consumers.lag import GroupLagMonitor
from consumers.stall_watch import SpinWatch, StallWatch

logger = logging.getLogger(__name__)


class WatchedConsumer:
    """Owns a kafka-python group consumer built by ``build``; see the module docstring."""

    def __init__(
        self,
        group: str,
        build: Callable[[], Any],
        restarts: Counter,
        *,
        stall_after_s: float,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.thread_time,
    ) -> None:
        self.group = group
        self._build = build
        self._restarts = restarts
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._watch = StallWatch(stall_after_s, clock)
        self._spin = SpinWatch() if stall_after_s > 0 else None
        self.consumer: Any = build()
        """The current consumer (a new object after a recreation)."""
        self.monitor: GroupLagMonitor | None = None
        """The group's outside measurement; without one, stalls are not watched."""
        restarts.labels(group)  # none yet is worth showing: 0

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        """Poll once; recreates the consumer afterwards if it has stalled or spins."""
        started, cpu_started = self._clock(), self._cpu_clock()
        polled: dict[Any, list[Any]] = self.consumer.poll(timeout_ms=timeout_ms)
        records = sum(len(batch) for batch in polled.values())
        self._watch.polled(records)
        if self.monitor is not None:
            self._watch.measured(self.monitor.progress())
        if self._spin is not None:
            self._spin.polled(records, self._clock() - started, self._cpu_clock() - cpu_started)
        if self._watch.stalled():
            self.recreate(self._stalled_reason())
        elif self._spin is not None and self._spin.spinning():
            self.recreate("its empty polls kept its thread busy (the client loops in place)")
        return polled

    def _stalled_reason(self) -> str:
        return (
            f"it polled nothing for {self._watch.idle_s():.0f} s while the group had "
            f"{self._watch.waiting()} records waiting and its commits stood still"
        )

    def recreate(self, why: str) -> None:
        """Close the consumer without committing and build a new one."""
        logger.warning(
            "recreating the consumer of group %s: %s (assigned: %s)",
            self.group,
            why,
            sorted(f"{tp.topic}[{tp.partition}]" for tp in self._assignment()),
        )
        try:
            self.consumer.close(autocommit=False)
        except KafkaError as exc:  # it is being replaced: nothing more to do with it
            logger.warning("closing the stalled consumer of %s failed: %s", self.group, exc)
        self.consumer = self._build()
        self._restarts.labels(self.group).inc()
        self._watch.reset()
        if self._spin is not None:
            self._spin.reset()

    def _assignment(self) -> set[Any]:
        try:
            assigned: set[Any] = self.consumer.assignment()
        except KafkaError:
            return set()
        return assigned

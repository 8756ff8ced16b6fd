"""Consumer lag of a kafka-python consumer group, as a Prometheus gauge.

Lag is what ``kafka-consumer-groups --describe`` shows: per assigned partition, the log-end
offset minus the group's committed offset (everything not yet handled for good). It is
measured at most once per interval, since it costs a ListOffsets and an OffsetFetch
request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from kafka.errors import KafkaError
from prometheus_client import Gauge

logger = logging.getLogger(__name__)


def partition_lag(ends: Mapping[Any, int], committed: Mapping[Any, int | None]) -> dict[Any, int]:
    """Records left per partition: end offset minus committed offset (nothing committed: 0).

    Never negative (a commit can be seen before the end offset that includes it).
    """
    return {tp: max(end - (committed.get(tp) or 0), 0) for tp, end in ends.items()}


class LagReporter:
    """Sets ``gauge{group, topic, partition}`` for the partitions a consumer is assigned."""

    def __init__(
        self,
        consumer: Any,
        gauge: Gauge,
        group: str,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._gauge = gauge
        self._group = group
        self._interval_s = interval_s
        self._clock = clock
        self._next = clock()
        self._reported: set[tuple[str, str, str]] = set()

    def maybe_report(self) -> bool:
        """Measure and set the gauge if the interval has passed; True if it was measured."""
        now = self._clock()
        if now < self._next:
            return False
        self._next = now + self._interval_s
        partitions = list(self._consumer.assignment())
        try:
            ends = self._consumer.end_offsets(partitions) if partitions else {}
            committed = {tp: self._consumer.committed(tp) for tp in partitions}
        except KafkaError as exc:
            logger.warning("could not measure the consumer lag of %s: %s", self._group, exc)
            return False
        current: set[tuple[str, str, str]] = set()
        for tp, lag in partition_lag(ends, committed).items():
            labels = (self._group, tp.topic, str(tp.partition))
            self._gauge.labels(*labels).set(lag)
            current.add(labels)
        for labels in self._reported - current:  # partitions no longer assigned here
            self._gauge.remove(*labels)
        self._reported = current
        return True

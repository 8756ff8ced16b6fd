"""Consumer lag of a kafka-python consumer group, as a Prometheus gauge.

Lag is what ``kafka-consumer-groups --describe`` shows: per assigned partition, the log-end
offset minus the group's committed offset (everything not yet handled for good). It is
measured at most once per interval, since it costs a ListOffsets and an OffsetFetch
request.

Three ways to measure, one gauge ``corridor_consumer_lag{group, topic, partition}``:

* :class:`LagReporter` from a service's own poll loop, with its own consumer (delivery,
  webhook dispatcher);
* the same with ``committed=False`` for readers without a consumer group (receipt tracker,
  recall service): end offset minus the reader's position, what it has not read yet; the
  ``group`` label then names the reader (its client id);
* :class:`GroupLagMonitor`, a background thread measuring another process's group from
  outside: the Faust worker's, whose consumer is Faust's own (aiokafka). It only reads the
  group's commits (it never subscribes, so it never joins the group).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from prometheus_client import Gauge

from consumers.kafka_clients import kafka_consumer
from consumers.stall_watch import GroupProgress
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity

logger = logging.getLogger(__name__)

#: A lag measurement runs in the service's own loop (or thread): it may never block it for
#: long. kafka-python waits without limit by default (e.g. for a group coordinator).
MEASURE_TIMEOUT_MS = 5000


def partition_lag(ends: Mapping[Any, int], committed: Mapping[Any, int | None]) -> dict[Any, int]:
    """Records left per partition: end offset minus committed offset (nothing committed: 0).

    Never negative (a commit can be seen before the end offset that includes it).
    """
    return {tp: max(end - (committed.get(tp) or 0), 0) for tp, end in ends.items()}


class LagReporter:
    """Sets ``gauge{group, topic, partition}`` for the partitions a consumer is assigned.

    ``committed=False``: for a consumer without a group, measure against its position
    (the next offset it will read) instead of a committed offset.
    """

    def __init__(
        self,
        consumer: Any,
        gauge: Gauge,
        group: str,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        committed: bool = True,
    ) -> None:
        self._consumer = consumer
        self._gauge = gauge
        self._group = group
        self._interval_s = interval_s
        self._clock = clock
        self._next = clock()
        self._reported: set[tuple[str, str, str]] = set()
        self._committed = committed
        self.progress: GroupProgress | None = None
        """The newest measurement's totals (None until one succeeded)."""

    def maybe_report(self) -> bool:
        """Measure and set the gauge if the interval has passed; True if it was measured."""
        now = self._clock()
        if now < self._next:
            return False
        self._next = now + self._interval_s
        return self.report()

    def _offset(self, tp: Any) -> int | None:
        offset: int | None = (
            self._consumer.committed(tp, timeout_ms=MEASURE_TIMEOUT_MS)
            if self._committed
            else self._consumer.position(tp, timeout_ms=MEASURE_TIMEOUT_MS)
        )
        return offset

    def report(self) -> bool:
        """Measure and set the gauge now; True if it was measured (False: logged why not)."""
        try:
            partitions = list(self._consumer.assignment())
            ends = (
                self._consumer.end_offsets(partitions, timeout_ms=MEASURE_TIMEOUT_MS)
                if partitions
                else {}
            )
            committed = {tp: self._offset(tp) for tp in partitions}
        except KafkaError as exc:
            logger.warning("could not measure the consumer lag of %s: %s", self._group, exc)
            return False
        current: set[tuple[str, str, str]] = set()
        lags = partition_lag(ends, committed)
        self.progress = GroupProgress(
            lag=sum(lags.values()),
            committed=sum(offset or 0 for offset in committed.values()),
            at=self._clock(),
        )
        for tp, lag in lags.items():
            labels = (self._group, tp.topic, str(tp.partition))
            self._gauge.labels(*labels).set(lag)
            current.add(labels)
        for labels in self._reported - current:  # partitions no longer assigned here
            self._gauge.remove(*labels)
        self._reported = current
        return True


class _GroupOffsets:
    """The consumer-like view :class:`LagReporter` needs of a group it is not a member of."""

    def __init__(self, consumer: Any, topics: Sequence[str]) -> None:
        self._consumer = consumer
        self._topics = tuple(topics)

    def assignment(self) -> set[Any]:
        """Every partition of the topics (metadata as of now: partitions may be added)."""
        return {
            TopicPartition(topic, p)
            for topic in self._topics
            for p in self._consumer.partitions_for_topic(topic) or ()
        }

    def end_offsets(self, partitions: list[Any], timeout_ms: int) -> dict[Any, int]:
        return dict(self._consumer.end_offsets(partitions, timeout_ms=timeout_ms))

    def committed(self, tp: Any, timeout_ms: int) -> int | None:
        offset: int | None = self._consumer.committed(tp, timeout_ms=timeout_ms)
        return offset


class GroupLagMonitor:
    """Measures ``group``'s lag on ``topics`` every ``interval_s`` in a daemon thread.

    For a consumer group run by another client (Faust's): a kafka-python consumer with the
    group's id reads its committed offsets, never subscribing, so it never joins the group
    nor takes partitions from its members. A failed measurement is logged and retried at
    the next interval; the gauge keeps its last values meanwhile.
    """

    def __init__(
        self,
        bootstrap: str,
        group: str,
        topics: Sequence[str],
        gauge: Gauge,
        *,
        security: ClientSecurity = PLAINTEXT_CLIENT,
        interval_s: float = 5.0,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
    ) -> None:
        self._consumer = kafka_consumer(
            consumer_factory,
            bootstrap=bootstrap,
            security=security,
            group_id=group,
            client_id="corridor-lag-monitor",
            enable_auto_commit=False,
        )
        self._reporter = LagReporter(
            _GroupOffsets(self._consumer, topics), gauge, group, interval_s
        )
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def measure(self) -> bool:
        """Measure now (whatever the interval); True if it was measured."""
        return self._reporter.report()

    def progress(self) -> GroupProgress | None:
        """The newest measurement's totals (None until one succeeded)."""
        return self._reporter.progress

    def start(self) -> None:
        """Measure in a background thread until :meth:`close`."""
        self._thread = threading.Thread(target=self._run, name="lag-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.measure()
            except Exception:  # a bug must not end measuring silently: log, keep going
                logger.exception("measuring the consumer lag failed")
            self._stop.wait(self._interval_s)

    def close(self) -> None:
        """Stop measuring and close the consumer."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self._consumer.close(autocommit=False)

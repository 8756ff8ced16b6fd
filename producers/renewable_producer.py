"""A kafka-python producer that replaces itself after a send failed for want of the broker.

kafka-python 3.0's idempotent producer cannot get over a batch that expired after it had
been sent (a broker outage longer than the delivery timeout): its sender resets the
producer id but stays in the READY state, so it never asks for a new id, and every
batch queued afterwards waits for ever (``flush`` answers "Timeout waiting for future",
nothing expires). Only a new producer gets over that. :class:`RenewableProducer` builds
one before the next send whenever a send failed in a way a retry may fix (the failure
the callers retry anyway); what the old one still held fails, and the callers'
acknowledged sends send it again (every receiver dedupes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from producers.send_failures import SendFailure, classify
from schemas.errors import CorridorError

logger = logging.getLogger(__name__)

#: How long closing a broken producer may wait for what it still holds.
ABANDON_TIMEOUT_S = 5.0
#: After building a new producer failed (no broker answered), how long every call fails
#: at once before the next try: a batch of sends must not wait out one bootstrap each.
RETRY_BUILD_AFTER_S = 5.0


class RenewableProducer:
    """``send``, ``flush`` and ``close`` of the producer ``build()`` returns, renewed when
    a send failed retriably or a flush timed out.

    When ``build`` raises a retriable Corridor error (the broker cannot be reached), the
    renewal raises :class:`KafkaConnectionError` instead (a retriable Kafka error, which
    the callers' retry loops handle); calls fail so at once for ``RETRY_BUILD_AFTER_S``,
    then the next one tries again.
    """

    def __init__(
        self, build: Callable[[], Any], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._build = build
        self._clock = clock
        self._lock = threading.Lock()
        self._producer: Any = build()
        self._broken = False
        self._build_again_at = 0.0
        self.renewals = 0

    def send(self, topic: str, **record: Any) -> Any:
        """Queue a record (on a new producer if the last one failed); returns its future."""
        producer = self._current()
        future = producer.send(topic, **record)
        future.add_errback(self._failed, producer)
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Wait for every queued record; a timeout marks the producer broken."""
        producer = self._current()
        try:
            producer.flush(timeout=timeout)
        except KafkaTimeoutError:
            self._mark_broken(producer)
            raise

    def close(self, timeout: float | None = None) -> None:
        """Close the producer (a broken one without waiting for what it cannot send)."""
        with self._lock:
            producer, broken = self._producer, self._broken
        if broken:
            _abandon(producer)
        else:
            producer.close(timeout=timeout)

    def __getattr__(self, name: str) -> Any:
        # Anything else a caller reads (a fake's records in tests, kafka-python's metrics)
        # is the current producer's.
        return getattr(self.__dict__["_producer"], name)

    def _failed(self, producer: Any, exc: BaseException) -> None:
        # Runs on the producer's I/O thread: only note it, renew on the caller's thread.
        if not isinstance(exc, KafkaError) or classify(exc) is SendFailure.RETRIABLE:
            self._mark_broken(producer)

    def _mark_broken(self, producer: Any) -> None:
        with self._lock:
            if producer is self._producer:
                self._broken = True

    def _current(self) -> Any:
        with self._lock:
            if not self._broken:
                return self._producer
            broken = self._producer
            if self._clock() < self._build_again_at:
                raise KafkaConnectionError("no broker answered for a new producer yet")
            logger.warning("a Kafka send failed: replacing the producer before sending again")
            try:
                self._producer = self._build()
            except CorridorError as exc:
                if not exc.retriable:
                    raise
                self._build_again_at = self._clock() + RETRY_BUILD_AFTER_S
                raise KafkaConnectionError(str(exc)) from exc
            self._broken = False
            self.renewals += 1
            fresh = self._producer
        # Outside the lock: the broken producer's I/O thread fails its records as it
        # stops, and their errbacks take the lock.
        _abandon(broken)
        return fresh


def _abandon(producer: Any) -> None:
    """Close ``producer`` without waiting for it to send what it holds.

    kafka-python's ``close`` flushes first and raises when the flush times out, leaving
    its I/O thread running; forcing the sender closed first fails the pending records
    instead (pinned: kafka-python 3.0, see constraints.txt).
    """
    sender = getattr(producer, "_sender", None)
    if sender is not None:
        sender.force_close()
        sender.join(ABANDON_TIMEOUT_S)
    try:
        producer.close(timeout=ABANDON_TIMEOUT_S)
    except KafkaError as exc:  # it is broken already; the new one is what counts
        logger.warning("the broken Kafka producer did not close cleanly: %r", exc)
